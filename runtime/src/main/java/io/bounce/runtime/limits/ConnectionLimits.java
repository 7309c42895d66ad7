package io.bounce.runtime.limits;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.log.LogThrottle;
import io.netty.channel.Channel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many connections one server holds open: at most {@code maxConnections} in all and, when set,
 * {@code maxPerAddress} from one client address (off by default: behind carrier-grade NAT thousands of
 * people share one address). A connection past either limit is closed as soon as it is accepted, before
 * a byte of it is read; each refusal is counted by limit and logged, at most a line a second.
 * Behind a load balancer speaking the PROXY protocol every connection comes from the balancer, so the
 * per-address limit would count the balancer: leave it off there.
 */
public final class ConnectionLimits
{
    /** Which limit refused a connection. */
    public enum Limit
    {
        PROCESS,
        ADDRESS;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);

    private final String server;
    private final int maxConnections;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final LongAdder[] refused = {new LongAdder(), new LongAdder()};
    private final LogThrottle throttle = new LogThrottle();

    /**
     * @param maxConnections open connections in all (at least 1).
     * @param maxPerAddress  open connections from one address; 0 for no such limit.
     */
    public ConnectionLimits(final String server, final int maxConnections, final int maxPerAddress)
    {
        this.server = server;
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
    }

    /** No limit a real server would reach: for the admin ports. */
    public static ConnectionLimits unlimited(final String server)
    {
        return new ConnectionLimits(server, Integer.MAX_VALUE, 0);
    }

    /**
     * Take a newly accepted connection in, or refuse it; a connection taken in is let go when it closes.
     *
     * @return false if the connection was over a limit (the caller closes it).
     */
    public boolean admit(final Channel channel)
    {
        if (open.incrementAndGet() > maxConnections)
        {
            open.decrementAndGet();
            refuse(Limit.PROCESS, channel.remoteAddress());
            return false;
        }
        final InetAddress address = maxPerAddress > 0 ? addressOf(channel.remoteAddress()) : null;
        if (address != null)
        {
            final AtomicInteger count = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
            if (count.incrementAndGet() > maxPerAddress)
            {
                release(address);
                open.decrementAndGet();
            refuse(Limit.ADDRESS, channel.remoteAddress());
                return false;
            }
        }
        channel.closeFuture().addListener(f ->
        {
            if (address != null)
            {
                release(address);
            }
            open.decrementAndGet(); // last, so a count of open connections never runs ahead of the per-address ones
        });
        return true;
    }

    private void release(final InetAddress address)
    {
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    private static InetAddress addressOf(final SocketAddress remote)
    {
        return remote instanceof InetSocketAddress ? ((InetSocketAddress)remote).getAddress() : null;
    }

    private void refuse(final Limit limit, final SocketAddress remote)
    {
        refused[limit.ordinal()].increment();
        if (throttle.tryAcquire())
        {
            LOG.warn("{} refused a connection from {}: {} connection limit reached ({} in all, {} per address; {} refused since " +
                "the last such line)", server, remote, limit.label(), maxConnections, maxPerAddress == 0 ? "no limit" : maxPerAddress,
                throttle.since());
        }
    }

    /** @return connections refused by {@code limit} so far. */
    public long refused(final Limit limit)
    {
        return refused[limit.ordinal()].sum();
    }

    /** @return connections open now. */
    public int open()
    {
        return open.get();
    }

    /**
     * Expose {@code <prefix>_connections_refused_total{limit}} and, unless the server counts its own,
     * {@code <prefix>_connections_open}.
     */
    public void register(final PrometheusRegistry registry, final String prefix, final boolean openGauge)
    {
        if (openGauge)
        {
            Metrics.gauge(registry, prefix + "_connections_open", "Connections open now.", open::get);
        }
        Metrics.counters(registry, prefix + "_connections_refused_total",
            "Connections closed on arrival because a connection limit was reached, by limit.", "limit", Limit.values(), Limit::label,
            limit -> refused[limit.ordinal()].sum());
    }
}
