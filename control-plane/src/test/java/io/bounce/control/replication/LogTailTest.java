package io.bounce.control.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LogTailTest
{
    private static List<LogTail.Change> changes(final long from, final long to)
    {
        final List<LogTail.Change> list = new ArrayList<>();
        for (long sequence = from; sequence <= to; sequence++)
        {
            list.add(new LogTail.Change(sequence, sequence * 10, (byte)1, new byte[] {(byte)sequence}));
        }
        return list;
    }

    @Test
    void servesARangeOnlyWhenItHoldsAllOfIt()
    {
        final LogTail tail = new LogTail(8);
        assertNull(tail.get(1, 1), "nothing read yet");
        tail.put(changes(1, 5));
        assertEquals(changes(2, 4).stream().map(LogTail.Change::sequence).toList(),
            tail.get(2, 3).stream().map(LogTail.Change::sequence).toList());
        assertNull(tail.get(4, 3), "6 was never read: the stream reads the store");
    }

    @Test
    void newerChangesTakeTheSlotsOfOlderOnesAndOlderNeverComeBack()
    {
        final LogTail tail = new LogTail(8);
        tail.put(changes(1, 8));
        tail.put(changes(9, 12)); // slots of 1 to 4
        assertNull(tail.get(1, 1), "1 was pushed out");
        assertEquals(8, tail.get(5, 8).size());
        tail.put(changes(1, 1)); // a late reader of an old range
        assertEquals(9L, tail.get(9, 1).get(0).sequence(), "an older change never replaces a newer one");
        assertNull(tail.get(1, 20), "more than it can hold");
    }
}
