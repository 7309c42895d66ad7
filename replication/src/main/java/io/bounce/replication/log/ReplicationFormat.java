package io.bounce.replication.log;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.tls.TlsCodec;

/**
 * The bytes of the change-log protocol, version {@value #VERSION}: one stream header, then frames.
 * Both endpoints use it: {@code /replication/v1/snapshot} inside an LZ4 frame, {@code /replication/v1/log}
 * as it is. All integers little-endian.
 *
 * <pre>
 * Stream header (16 bytes)
 *  0        4         5        6          8                    16
 *  +--------+---------+--------+----------+--------------------+
 *  | "BNCR" | version | kind   | reserved | sequence (i64)     |
 *  +--------+---------+--------+----------+--------------------+
 *  kind 1 = snapshot: sequence is S, the change-log sequence the snapshot is consistent with
 *  kind 2 = log:      sequence is the first sequence the stream will carry (the request's from)
 *
 * Frame (24-byte header, payload, 4-byte checksum)
 *  0          4      5          8                 16                24           24+length
 *  +----------+------+----------+-----------------+-----------------+------------+----------+
 *  | length   | type | reserved | sequence (i64)  | time ms (i64)   | payload    | crc32c   |
 *  +----------+------+----------+-----------------+-----------------+------------+----------+
 *  length  = payload bytes, 0..{@link #MAX_PAYLOAD}
 *  crc32c  = CRC-32C of every byte of the frame before it (header and payload)
 *  type 1 RECORD     sequence = the change's sequence, time = its commit time (0 in a snapshot),
 *                    payload = the LinkCodec record, whose own sequence equals the frame's
 *  type 2 HEARTBEAT  sequence = the leader's head, time = the head's commit time, no payload
 *  type 3 END        (snapshot only) sequence = S, time = S's commit time, payload = record count (i64)
 *  type 4 DOMAIN_POLICY, 5 CERTIFICATE, 6 TICKET_KEYS (version 2), 7 ACME_CHALLENGE (version 3):
 *                    like RECORD, payload = a TlsCodec record
 * </pre>
 *
 * Version 2 adds frame types 4 to 6 and frames up to {@link #MAX_PAYLOAD} bytes of payload. Version 3 adds
 * frame type 7 and the domain policy's {@code removed} flag. Nothing else changed, so this build reads
 * versions 1 and 2 too (an older leader's) and writes version 3.
 *
 * A reader that meets a version or kind it does not know refuses the stream; one that meets a frame
 * type it does not know, a length out of range or a checksum that does not match stops reading and
 * applies nothing from that frame.
 */
public final class ReplicationFormat
{
    public static final int MAGIC = 'B' | 'N' << 8 | 'C' << 16 | 'R' << 24;
    public static final byte VERSION = 3;
    /** The oldest version this build still reads. */
    public static final byte OLDEST_READABLE_VERSION = 1;
    public static final String PATH_SNAPSHOT = "/replication/v1/snapshot";
    public static final String PATH_LOG = "/replication/v1/log";
    /** HTTP header both sides send with the protocol version they speak. */
    public static final String VERSION_HEADER = "Bounce-Replication-Version";
    /**
     * Response header on snapshots and logs: the leader's store's history id. A follower that has applied another
     * history's changes (a restored backup, another cluster) bootstraps afresh rather than tail it from its sequence;
     * a promoted standby keeps the primary's history, so its followers resume.
     */
    public static final String HISTORY_HEADER = "Bounce-History";
    /** Snapshot response header: how many records follow (sizes the follower's fresh map). */
    public static final String RECORDS_HEADER = "Bounce-Snapshot-Records";

    public static final byte KIND_SNAPSHOT = 1;
    public static final byte KIND_LOG = 2;

    public static final byte TYPE_RECORD = 1;
    public static final byte TYPE_HEARTBEAT = 2;
    public static final byte TYPE_END = 3;
    public static final byte TYPE_DOMAIN_POLICY = 4;
    public static final byte TYPE_CERTIFICATE = 5;
    public static final byte TYPE_TICKET_KEYS = 6;
    public static final byte TYPE_ACME_CHALLENGE = 7;

    public static final int STREAM_HEADER_LENGTH = 16;
    public static final int FRAME_HEADER_LENGTH = 24;
    public static final int CHECKSUM_LENGTH = 4;
    public static final int MAX_PAYLOAD = Math.max(LinkCodec.MAX_ENCODED_LENGTH, TlsCodec.MAX_ENCODED_LENGTH);
    public static final int MAX_FRAME_LENGTH = FRAME_HEADER_LENGTH + MAX_PAYLOAD + CHECKSUM_LENGTH;

    private static final int LENGTH_OFFSET = 0;
    private static final int TYPE_OFFSET = 4;
    private static final int SEQUENCE_OFFSET = 8;
    private static final int TIME_OFFSET = 16;

    private ReplicationFormat()
    {
    }

    /** @return the 16-byte stream header. */
    public static byte[] streamHeader(final byte kind, final long sequence)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(STREAM_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC).put(VERSION).put(kind).putShort((short)0).putLong(sequence);
        return buffer.array();
    }

    /** @return true for the frame types that carry a change: a link or a TLS record. */
    public static boolean isChange(final byte type)
    {
        return type == TYPE_RECORD || (type >= TYPE_DOMAIN_POLICY && type <= TYPE_ACME_CHALLENGE);
    }

    /** @return bytes one frame takes on the wire. */
    public static int frameLength(final int payloadLength)
    {
        return FRAME_HEADER_LENGTH + payloadLength + CHECKSUM_LENGTH;
    }

    /**
     * Write one frame into {@code buffer} at its position (which advances past the frame).
     * {@code crc} is scratch, owned by the caller's thread.
     */
    public static void writeFrame(
        final ByteBuffer buffer, final byte type, final long sequence, final long timeMs,
        final byte[] payload, final int payloadLength, final CRC32C crc)
    {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD)
        {
            throw new IllegalArgumentException("frame payload of " + payloadLength + " bytes");
        }
        final ByteBuffer out = buffer.order(ByteOrder.LITTLE_ENDIAN);
        final int start = out.position();
        out.putInt(payloadLength).put(type).put((byte)0).putShort((short)0).putLong(sequence).putLong(timeMs);
        if (payloadLength > 0)
        {
            out.put(payload, 0, payloadLength);
        }
        crc.reset();
        crc.update(out.duplicate().position(start).limit(out.position()));
        out.putInt((int)crc.getValue());
    }

    /** @return one whole frame as a new array: for the rarer frames (heartbeats, END). */
    public static byte[] frame(final byte type, final long sequence, final long timeMs, final byte[] payload)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(frameLength(payload.length));
        writeFrame(buffer, type, sequence, timeMs, payload, payload.length, new CRC32C());
        return buffer.array();
    }

    public static byte[] longPayload(final long value)
    {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    /**
     * Reads and checks a stream header.
     *
     * @throws ProtocolException for a wrong magic, an unknown (say, newer) version or an unexpected kind.
     */
    public static long readStreamHeader(final InputStream in, final byte expectedKind) throws IOException
    {
        final byte[] bytes = in.readNBytes(STREAM_HEADER_LENGTH);
        if (bytes.length < STREAM_HEADER_LENGTH)
        {
            throw new EOFException("stream ended inside its header (" + bytes.length + " of " + STREAM_HEADER_LENGTH + " bytes)");
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buffer.getInt(0) != MAGIC)
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT, "not a Bounce replication stream (bad magic)");
        }
        final byte version = buffer.get(4);
        if (version < OLDEST_READABLE_VERSION || version > VERSION)
        {
            throw new ProtocolException(ProtocolException.Reason.VERSION, "the leader streams replication format version " +
                version + "; this build reads only versions " + OLDEST_READABLE_VERSION + " to " + VERSION + " (upgrade this node)");
        }
        if (buffer.get(5) != expectedKind)
        {
            throw new ProtocolException(ProtocolException.Reason.FORMAT, "expected stream kind " + expectedKind + ", got " + buffer.get(5));
        }
        return buffer.getLong(8);
    }

    /**
     * Reads frames from a stream into one reusable buffer, checking each frame's length and checksum
     * before its caller sees any of it. Owned by one thread.
     */
    public static final class FrameReader
    {
        private final InputStream in;
        private final byte[] bytes = new byte[MAX_FRAME_LENGTH];
        private final ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private int payloadLength;

        public FrameReader(final InputStream in)
        {
            this.in = in;
        }

        /**
         * Read the next frame.
         *
         * @return false at a clean end of stream (between frames).
         * @throws EOFException if the stream ends inside a frame.
         * @throws ProtocolException for a bad length, checksum or type.
         */
        public boolean next() throws IOException
        {
            final int headerRead = in.readNBytes(bytes, 0, FRAME_HEADER_LENGTH);
            if (headerRead == 0)
            {
                return false;
            }
            if (headerRead < FRAME_HEADER_LENGTH)
            {
                throw new EOFException("stream cut inside a frame header");
            }
            final int length = view.getInt(LENGTH_OFFSET);
            if (length < 0 || length > MAX_PAYLOAD)
            {
                throw new ProtocolException(ProtocolException.Reason.CHECKSUM, "frame length " + length + " out of range");
            }
            final int rest = length + CHECKSUM_LENGTH;
            if (in.readNBytes(bytes, FRAME_HEADER_LENGTH, rest) < rest)
            {
                throw new EOFException("stream cut inside a frame");
            }
            crc.reset();
            crc.update(bytes, 0, FRAME_HEADER_LENGTH + length);
            if ((int)crc.getValue() != view.getInt(FRAME_HEADER_LENGTH + length))
            {
                throw new ProtocolException(ProtocolException.Reason.CHECKSUM, "frame checksum mismatch at sequence " + sequence());
            }
            final byte type = type();
            if (type < TYPE_RECORD || type > TYPE_ACME_CHALLENGE)
            {
                throw new ProtocolException(ProtocolException.Reason.FORMAT, "unknown frame type " + type);
            }
            payloadLength = length;
            return true;
        }

        public byte type()
        {
            return bytes[TYPE_OFFSET];
        }

        public long sequence()
        {
            return view.getLong(SEQUENCE_OFFSET);
        }

        public long timeMs()
        {
            return view.getLong(TIME_OFFSET);
        }

        /** The payload lives in {@link #buffer()} from {@link #FRAME_HEADER_LENGTH}, {@link #payloadLength()} bytes. */
        public byte[] buffer()
        {
            return bytes;
        }

        public int payloadLength()
        {
            return payloadLength;
        }

        public long payloadLong()
        {
            if (payloadLength != 8)
            {
                throw new ProtocolException(ProtocolException.Reason.FORMAT, "expected an 8-byte payload, got " + payloadLength);
            }
            return view.getLong(FRAME_HEADER_LENGTH);
        }
    }
}
