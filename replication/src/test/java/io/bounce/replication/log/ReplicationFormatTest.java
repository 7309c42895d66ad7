package io.bounce.replication.log;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ReplicationFormatTest
{
    private static final LinkRecord RECORD = new LinkRecord("bnc.test", "abc123", "https://example.com/x?y=1", 302,
        1_000, 2_000, 0, LinkRecord.FLAG_FORWARD_QUERY, 17);

    private static byte[] stream(final long sequence) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ReplicationFormat.streamHeader(ReplicationFormat.KIND_LOG, sequence));
        final byte[] record = LinkCodec.encode(RECORD);
        final ByteBuffer frame = ByteBuffer.allocate(ReplicationFormat.frameLength(record.length));
        ReplicationFormat.writeFrame(frame, ReplicationFormat.TYPE_RECORD, 17, 1234, record, record.length, new CRC32C());
        out.write(frame.array());
        out.write(ReplicationFormat.frame(ReplicationFormat.TYPE_HEARTBEAT, 20, 5678, new byte[0]));
        return out.toByteArray();
    }

    @Test
    void shouldRoundTripAHeaderARecordAndAHeartbeat() throws IOException
    {
        final ByteArrayInputStream in = new ByteArrayInputStream(stream(17));
        assertEquals(17, ReplicationFormat.readStreamHeader(in, ReplicationFormat.KIND_LOG));
        final ReplicationFormat.FrameReader reader = new ReplicationFormat.FrameReader(in);
        assertTrue(reader.next());
        assertEquals(ReplicationFormat.TYPE_RECORD, reader.type());
        assertEquals(17, reader.sequence());
        assertEquals(1234, reader.timeMs());
        final byte[] payload = new byte[reader.payloadLength()];
        System.arraycopy(reader.buffer(), ReplicationFormat.FRAME_HEADER_LENGTH, payload, 0, payload.length);
        assertArrayEquals(LinkCodec.encode(RECORD), payload);
        assertTrue(reader.next());
        assertEquals(ReplicationFormat.TYPE_HEARTBEAT, reader.type());
        assertEquals(20, reader.sequence());
        assertFalse(reader.next());
    }

    @Test
    void shouldRefuseEveryFrameWithAnyOneByteFlipped() throws IOException
    {
        final byte[] good = stream(17);
        for (int i = ReplicationFormat.STREAM_HEADER_LENGTH; i < good.length; i++)
        {
            final byte[] bad = good.clone();
            bad[i] ^= 0x01;
            final ByteArrayInputStream in = new ByteArrayInputStream(bad);
            ReplicationFormat.readStreamHeader(in, ReplicationFormat.KIND_LOG);
            final ReplicationFormat.FrameReader reader = new ReplicationFormat.FrameReader(in);
            try
            {
                while (reader.next())
                {
                    // read on until the damaged frame
                }
                fail("a flipped byte at " + i + " went unnoticed");
            }
            catch (final ProtocolException | EOFException expected)
            {
                // refused: a bad checksum or length, or the stream no longer lines up
            }
        }
    }

    @Test
    void shouldReportAStreamCutInsideAFrame() throws IOException
    {
        final byte[] good = stream(17);
        for (int cut = ReplicationFormat.STREAM_HEADER_LENGTH + 1; cut < good.length - ReplicationFormat.frameLength(0); cut++)
        {
            final ByteArrayInputStream in = new ByteArrayInputStream(java.util.Arrays.copyOf(good, cut));
            ReplicationFormat.readStreamHeader(in, ReplicationFormat.KIND_LOG);
            final ReplicationFormat.FrameReader reader = new ReplicationFormat.FrameReader(in);
            assertThrows(EOFException.class, reader::next, "cut at " + cut);
        }
    }

    @Test
    void shouldRefuseANewerVersionByName() throws IOException
    {
        final byte[] header = ReplicationFormat.streamHeader(ReplicationFormat.KIND_SNAPSHOT, 1);
        header[4] = 4;
        final ProtocolException ex = assertThrows(ProtocolException.class,
            () -> ReplicationFormat.readStreamHeader(new ByteArrayInputStream(header), ReplicationFormat.KIND_SNAPSHOT));
        assertEquals(ProtocolException.Reason.VERSION, ex.reason());
        assertTrue(ex.getMessage().contains("version 4"), ex.getMessage());
    }

    @Test
    void shouldStillReadAnOlderLeadersVersionOneStream() throws IOException
    {
        final byte[] header = ReplicationFormat.streamHeader(ReplicationFormat.KIND_LOG, 7);
        assertEquals(3, header[4], "this build writes version 3");
        header[4] = 1;
        assertEquals(7, ReplicationFormat.readStreamHeader(new ByteArrayInputStream(header), ReplicationFormat.KIND_LOG));
        header[4] = 2;
        assertEquals(7, ReplicationFormat.readStreamHeader(new ByteArrayInputStream(header), ReplicationFormat.KIND_LOG));
    }

    @Test
    void shouldRefuseTheWrongKindOfStream()
    {
        final byte[] header = ReplicationFormat.streamHeader(ReplicationFormat.KIND_SNAPSHOT, 1);
        assertThrows(ProtocolException.class,
            () -> ReplicationFormat.readStreamHeader(new ByteArrayInputStream(header), ReplicationFormat.KIND_LOG));
    }
}
