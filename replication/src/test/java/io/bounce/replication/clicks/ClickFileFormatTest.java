package io.bounce.replication.clicks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClickFileFormatTest
{
    @Test
    void shouldEscapeAndSplitBackEveryAwkwardCharacter()
    {
        final String[] values = {"1", "e1", "bnc.test", "abc", "302", "GET", "00ff", "DE", "UA\twith\\tab\nand\rbreaks\\ \u0000\u0001\u001f\u007f", "https://x/?a\\b\\x41", "variant-2"};
        final StringBuilder row = new StringBuilder();
        for (int i = 0; i < values.length; i++)
        {
            if (i > 0)
            {
                row.append('\t');
            }
            ClickFileFormat.escape(values[i], row);
        }
        assertEquals(-1, row.indexOf("\n"));
        assertTrue(row.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7F), "no control byte but the field tab: " + row);
        assertArrayEquals(values, ClickFileFormat.split(row.toString()));
    }

    @Test
    void shouldSplitPlainRowsAndRefuseWrongFieldCounts()
    {
        assertArrayEquals(new String[] {"1", "e", "d", "c", "302", "GET", "v", "", "", "", ""},
            ClickFileFormat.split("1\te\td\tc\t302\tGET\tv\t\t\t\t"));
        assertNull(ClickFileFormat.split("1\te\td"));
        assertNull(ClickFileFormat.split("1\te\td\tc\t302\tGET\tv\t\t\t"), "version 1's ten fields");
        assertNull(ClickFileFormat.split("1\te\td\tc\t302\tGET\tv\t\t\t\t\textra"));
        assertNull(ClickFileFormat.split("1\te\td\tc\t302\tGET\tv\t\t\t\tdangling\\"));
    }

    @Test
    void shouldNameFilesByEdgeAndSequence()
    {
        final String name = ClickFileFormat.fileName("edge-1", 42);
        assertEquals("edge-1-000000000042.tsv.lz4", name);
        assertEquals(42, ClickFileFormat.sequenceOf(name, "edge-1"));
        assertEquals(-1, ClickFileFormat.sequenceOf(name, "edge-2"));
    }
}
