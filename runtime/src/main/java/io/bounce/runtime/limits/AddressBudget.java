package io.bounce.runtime.limits;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * A token bucket per client address for something a client should rarely need (an unknown short link, a
 * request without a valid key): {@code rate} a second up to {@code burst}. An IPv6 client is its /64, the
 * block one host or home is handed, so a client cannot reset its budget by changing the low bits. The
 * buckets live in a Caffeine cache bounded in size, an address unseen for a minute forgetting its own:
 * memory stays bounded however many addresses a flood comes from.
 */
public final class AddressBudget
{
    private static final int MAX_ADDRESSES = 100_000;

    private final double rate;
    private final double burst;
    private final Cache<Long, TokenBucket> buckets;
    private final LongAdder refused = new LongAdder();

    /** @param rate tokens a second; 0 means no budget (every take succeeds). */
    public AddressBudget(final double rate, final double burst)
    {
        this.rate = rate;
        this.burst = Math.max(1, burst);
        // Maintenance (eviction, expiry) on the calling thread, a batch at a time: the default hands it to the common
        // pool, which woke a thread for each new address (a flood from many addresses cost the edge's core a wake-up each).
        this.buckets = Caffeine.newBuilder().maximumSize(MAX_ADDRESSES).expireAfterAccess(Duration.ofMinutes(1)).executor(Runnable::run).build();
    }

    public boolean isEnabled()
    {
        return rate > 0;
    }

    /**
     * Spend one of {@code address}'s tokens.
     *
     * @param address 4 or 16 bytes.
     * @return 0 if it had one, else the milliseconds until it will (the take is counted as refused).
     */
    public long take(final byte[] address, final long nowNs)
    {
        return address.length == 0 ? 0 : take(keyOf(address, address.length), nowNs);
    }

    /**
     * Spend one of the tokens of a bucket named by {@code key} ({@link #keyOf} for an address; any other long, such as a
     * keyed hash of a link, for something else).
     *
     * @return 0 if it had one, else the milliseconds until it will (the take is counted as refused).
     */
    public long take(final long key, final long nowNs)
    {
        if (rate <= 0)
        {
            return 0;
        }
        final long waitMs = buckets.get(key, k -> new TokenBucket(burst, nowNs)).take(rate, burst, nowNs);
        if (waitMs > 0)
        {
            refused.increment();
        }
        return waitMs;
    }

    /**
     * @return the bucket key of the address in {@code address[0, length)} (4 or 16 bytes), as {@link #take(byte[], long)}
     * uses: IPv4 as itself (bit 32 set, so it meets no IPv6 key), IPv6 as its first 64 bits.
     */
    public static long keyOf(final byte[] address, final int length)
    {
        if (length == 4)
        {
            return 1L << 32 | (address[0] & 0xFFL) << 24 | (address[1] & 0xFFL) << 16 | (address[2] & 0xFFL) << 8 | address[3] & 0xFFL;
        }
        long key = 0;
        for (int i = 0; i < 8; i++)
        {
            key = key << 8 | address[i] & 0xFFL;
        }
        return key;
    }

    public long take(final InetAddress address, final long nowNs)
    {
        return take(address == null ? new byte[0] : address.getAddress(), nowNs);
    }

    /** @return takes refused so far. */
    public long refused()
    {
        return refused.sum();
    }
}
