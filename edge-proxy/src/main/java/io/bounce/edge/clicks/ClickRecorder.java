package io.bounce.edge.clicks;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

import io.bounce.replication.clicks.ClickFileFormat;
import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Where event loops drop click events: a {@link ManyToOneRingBuffer} (many event loops write, the one
 * {@link ClickFileWriter} thread reads). Writing copies the request's bytes straight from Netty's
 * buffer into the ring: no allocation, no lock, never a wait. A full ring drops the event and counts
 * it. The raw client address lives only here, in memory: the writer turns it into a visitor hash.
 *
 * <pre>
 * Event (one ring-buffer message, little-endian)
 *  0  time ms (i64)          8  status (u16)     10 HEAD? (u8)      11 peer length (u8: 4 or 16)
 * 12  key length (u16)      14  UA length (u16)  16 referrer length (u16)
 * 18  X-Forwarded-For length (u16)               20 country length (u8)   21 destination (u8)   22..24 reserved
 * 24  peer address (16 bytes)
 * 40  key "domain/code", user agent, referrer, X-Forwarded-For, country: each of its length
 * </pre>
 */
public final class ClickRecorder
{
    static final int MSG_TYPE = 1;
    static final int TIME_OFFSET = 0;
    static final int STATUS_OFFSET = 8;
    static final int HEAD_OFFSET = 10;
    static final int PEER_LENGTH_OFFSET = 11;
    static final int KEY_LENGTH_OFFSET = 12;
    static final int UA_LENGTH_OFFSET = 14;
    static final int REFERRER_LENGTH_OFFSET = 16;
    static final int XFF_LENGTH_OFFSET = 18;
    static final int COUNTRY_LENGTH_OFFSET = 20;
    /** Which of a link's rules the answer followed: {@code RuleEvaluator}'s choice (0 for the link's own URL). */
    static final int DESTINATION_OFFSET = 21;
    static final int PEER_OFFSET = 24;
    static final int VARIABLE_OFFSET = 40;
    static final int MAX_XFF_BYTES = 256;
    static final int MAX_COUNTRY_BYTES = 8;

    private final RingBuffer ring;
    private final LongAdder recorded = new LongAdder();
    private final LongAdder droppedRingFull = new LongAdder();
    private volatile boolean accepting = true;

    /** @param ringBytes capacity of the ring, a power of two. */
    public ClickRecorder(final int ringBytes)
    {
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(ringBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    RingBuffer ring()
    {
        return ring;
    }

    /** From now on events are not taken (shutdown: the writer drains what is in the ring). */
    void stopAccepting()
    {
        accepting = false;
    }

    /**
     * Record one answered request. Offsets are into {@code in}; a start below 0 means the header was absent.
     * Called on event loops.
     */
    public void record(
        final long timeMs, final int status, final boolean head, final byte[] peer, final byte[] key, final int keyLength,
        final ByteBuf in, final int uaStart, final int uaEnd, final int refStart, final int refEnd,
        final int xffStart, final int xffEnd, final int countryStart, final int countryEnd, final int destination)
    {
        if (!accepting)
        {
            return;
        }
        final int uaLength = uaStart < 0 ? 0 : Math.min(uaEnd - uaStart, ClickFileFormat.MAX_USER_AGENT_BYTES);
        final int refLength = refStart < 0 ? 0 : Math.min(refEnd - refStart, ClickFileFormat.MAX_REFERRER_BYTES);
        final int xffLength = xffStart < 0 ? 0 : Math.min(xffEnd - xffStart, MAX_XFF_BYTES);
        final int countryLength = countryStart < 0 ? 0 : Math.min(countryEnd - countryStart, MAX_COUNTRY_BYTES);
        final int length = VARIABLE_OFFSET + keyLength + uaLength + refLength + xffLength + countryLength;
        final int index = ring.tryClaim(MSG_TYPE, length);
        if (index <= 0)
        {
            droppedRingFull.increment();
            return;
        }
        final UnsafeBuffer buffer = (UnsafeBuffer)ring.buffer();
        buffer.putLong(index + TIME_OFFSET, timeMs);
        buffer.putShort(index + STATUS_OFFSET, (short)status);
        buffer.putByte(index + HEAD_OFFSET, (byte)(head ? 1 : 0));
        final int peerLength = Math.min(peer.length, 16);
        buffer.putByte(index + PEER_LENGTH_OFFSET, (byte)peerLength);
        buffer.putShort(index + KEY_LENGTH_OFFSET, (short)keyLength);
        buffer.putShort(index + UA_LENGTH_OFFSET, (short)uaLength);
        buffer.putShort(index + REFERRER_LENGTH_OFFSET, (short)refLength);
        buffer.putShort(index + XFF_LENGTH_OFFSET, (short)xffLength);
        buffer.putByte(index + COUNTRY_LENGTH_OFFSET, (byte)countryLength);
        buffer.putByte(index + DESTINATION_OFFSET, (byte)destination);
        buffer.putBytes(index + PEER_OFFSET, peer, 0, peerLength);
        int at = index + VARIABLE_OFFSET;
        buffer.putBytes(at, key, 0, keyLength);
        at += keyLength;
        at = copy(buffer, at, in, uaStart, uaLength);
        at = copy(buffer, at, in, refStart, refLength);
        at = copy(buffer, at, in, xffStart, xffLength);
        copy(buffer, at, in, countryStart, countryLength);
        ring.commit(index);
        recorded.increment();
    }

    private static int copy(final UnsafeBuffer buffer, final int at, final ByteBuf in, final int start, final int length)
    {
        if (length == 0)
        {
            return at;
        }
        if (in.hasMemoryAddress())
        {
            PlatformDependent.copyMemory(in.memoryAddress() + start, buffer.addressOffset() + at, length);
        }
        else
        {
            for (int i = 0; i < length; i++)
            {
                buffer.putByte(at + i, in.getByte(start + i));
            }
        }
        return at + length;
    }

    public long recorded()
    {
        return recorded.sum();
    }

    public long droppedRingFull()
    {
        return droppedRingFull.sum();
    }
}
