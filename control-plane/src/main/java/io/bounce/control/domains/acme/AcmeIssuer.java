package io.bounce.control.domains.acme;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.bounce.control.store.AcmeQueries;
import io.bounce.control.store.Store;
import io.bounce.replication.tls.AcmeChallenge;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.agent.Agents;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets and renews the certificates of domains added with {@code --https auto}, as an agent that looks at the store
 * every second (and at once when a domain is added or a renewal forced) for domains whose next attempt has come:
 * <ul>
 *   <li>a domain without a certificate is ordered once its DNS points at the fleet ({@link DnsCheck}; until then its
 *       status is {@code pending-dns}, checked again with backoff);</li>
 *   <li>a certificate is renewed at two thirds of its lifetime, or earlier when the CA's renewal information (ARI)
 *       suggests it, or when an admin forces it ({@link #renew});</li>
 *   <li>a failure is retried with exponential backoff from {@code --acme-retry-min-ms} to {@code --acme-retry-max-ms},
 *       never before the CA's Retry-After;</li>
 *   <li>at most {@code --acme-orders-per-hour} orders start in any hour, renewals first (the soonest to expire
 *       first), new domains after (the oldest first); at most {@code --acme-concurrency} run at once.</li>
 * </ul>
 * Each order's challenge goes to every edge through the change log. The certificate is stored and sent to the
 * edges as an uploaded one is ({@link Issuance#store}).
 *
 * <p>Thread safety: the agent's thread picks; orders run on their own pool; every write goes through the store's
 * one writer.
 */
public final class AcmeIssuer implements AutoCloseable
{
    public static final String PENDING_DNS = "pending-dns";
    public static final String ISSUING = "issuing";
    public static final String ACTIVE = "active";
    public static final String RENEWING = "renewing";
    public static final String FAILED = "failed";
    static final List<String> STATUSES = List.of(PENDING_DNS, ISSUING, ACTIVE, RENEWING, FAILED);
    /** How often ARI is asked again about a certificate not yet due by its lifetime. */
    static final long RENEWAL_INFO_INTERVAL_MS = 6 * 3_600_000L;
    private static final long HOUR_MS = 3_600_000L;
    private static final Logger LOG = LoggerFactory.getLogger(AcmeIssuer.class);
    /** Renewals first, the soonest to expire first; then new domains, the oldest first. */
    static final Comparator<AcmeQueries.State> PRIORITY = Comparator.comparing((AcmeQueries.State s) -> s.notAfterMs() == 0)
        .thenComparingLong(s -> s.notAfterMs() == 0 ? s.createdAtMs() : s.notAfterMs());

    /** What the issuer needs of the domains: their certificates, read and stored. */
    public interface Issuance
    {
        /** @return the domain's current leaf (the one to renew), or null. */
        X509Certificate current(String domain) throws Exception;

        /** Check and store an issued certificate, sent to the edges as an upload is. */
        void store(String domain, String chainPem, byte[] pkcs8Key) throws Exception;
    }

    private final AcmeOptions options;
    private final AcmeClient client;
    private final Store store;
    private final Issuance issuance;
    private final EpochClock clock;
    private final DnsCheck dns;
    private final ExecutorService orders;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> forced = ConcurrentHashMap.newKeySet();
    /** Start times of the orders placed in the last hour, oldest first: the {@code --acme-orders-per-hour} window. */
    private final ArrayDeque<Long> recentOrders = new ArrayDeque<>();
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong deferred = new AtomicLong();
    private volatile Map<String, Long> byStatus = Map.of();
    /** Domains due at the last look that could not start: the orders-per-hour ceiling or the pool held them back. */
    private volatile int waiting;
    private long countedAtMs;
    private AgentRunner runner;
    private volatile boolean woken;

    public AcmeIssuer(final AcmeOptions options, final AcmeClient client, final Store store, final Issuance issuance, final EpochClock clock)
    {
        this.options = options;
        this.client = client;
        this.store = store;
        this.issuance = issuance;
        this.clock = clock;
        this.dns = new DnsCheck(options);
        final AtomicInteger threads = new AtomicInteger();
        this.orders = Executors.newFixedThreadPool(options.concurrency(), r ->
        {
            final Thread thread = new Thread(r, "acme-order-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Look at the store every second, and within 50 ms of {@link #wake} (a domain added, a renewal forced), while this
     * control plane leads (only the leader orders certificates). Orders a stop, a crash or a lost leadership cut short
     * ({@code issuing} or {@code renewing} in the store) are due at once when it starts leading.
     */
    public AcmeIssuer start(final Agents agents) throws Exception
    {
        runner = agents.start(new org.agrona.concurrent.Agent()
        {
            private long dueAtMs;
            private boolean leading;

            @Override
            public int doWork() throws Exception
            {
                final long now = System.currentTimeMillis();
                if (!store.leadership().isLeader())
                {
                    leading = false;
                    return 0;
                }
                if (!leading)
                {
                    store.writer().call(txn -> AcmeQueries.resumeInterrupted(txn.connection(), txn.now()));
                    leading = true;
                }
                if (!woken && now < dueAtMs)
                {
                    return 0;
                }
                woken = false;
                dueAtMs = now + 1_000;
                return pickDue();
            }

            @Override
            public String roleName()
            {
                return "acme";
            }
        }, Agents.sleeping(50));
        return this;
    }

    /** Look at the store now rather than at the next second: a domain was added or a renewal forced. */
    public void wake()
    {
        woken = true;
    }

    /** @return the DNS records a customer must set for {@code domain}; empty when the control plane was told none. */
    public List<String> dnsInstructions(final String domain)
    {
        return dns.instructions(domain);
    }

    /** Renew the domain's certificate now, whatever its age (still within the orders-per-hour ceiling). */
    public boolean renew(final String domain) throws Exception
    {
        forced.add(domain);
        final boolean due = store.writer().call(txn -> AcmeQueries.dueNow(txn.connection(), domain, txn.now()));
        if (!due)
        {
            forced.remove(domain);
        }
        wake();
        return due;
    }

    /** One look at the store: start the orders that are due, as the ceiling and the pool allow. @return orders started. */
    int pickDue() throws Exception
    {
        final long now = clock.time();
        countNow(now);
        final List<AcmeQueries.State> due = new ArrayList<>(store.readers().read(c -> AcmeQueries.due(c, now, 1_000)));
        due.removeIf(state -> inFlight.contains(state.domain()));
        // Only as many as may start: the rest stay due, in the store's order, so the next look takes them by priority too.
        final int free = Math.min(options.concurrency() - inFlight.size(), ordersLeft(now));
        waiting = Math.max(0, due.size() - Math.max(0, free));
        if (free <= 0)
        {
            return 0;
        }
        due.sort(PRIORITY);
        int started = 0;
        for (final AcmeQueries.State state : due)
        {
            if (started == free)
            {
                break;
            }
            if (inFlight.add(state.domain()))
            {
                started++;
                orders.execute(() ->
                {
                    try
                    {
                        attempt(state);
                    }
                    catch (final Exception ex)
                    {
                        LOG.error("ACME: {}: {}", state.domain(), ex.toString());
                    }
                    finally
                    {
                        inFlight.remove(state.domain());
                    }
                });
            }
        }
        return started;
    }

    private void attempt(final AcmeQueries.State state) throws Exception
    {
        final String domain = state.domain();
        final long now = clock.time();
        final X509Certificate current = state.notAfterMs() == 0 ? null : issuance.current(domain);
        final boolean force = forced.remove(domain);
        if (current != null && !force && !renewalDue(domain, current, now))
        {
            return;
        }
        final DnsCheck.Result pointing = dns.check(domain);
        if (!pointing.points())
        {
            setStatus(domain, current == null ? PENDING_DNS : FAILED, pointing.detail(), now, now + backoff(state.failures(), options),
                state.failures() + 1);
            return;
        }
        if (!takeOrderSlot(now))
        {
            deferred.incrementAndGet();
            final long windowMoves = oldestOrderExpiry();
            store.writer().call(txn -> AcmeQueries.reschedule(txn.connection(), domain, windowMoves));
            return;
        }
        setStatus(domain, current == null ? ISSUING : RENEWING, null, now, now + options.retryMaxMs(), state.failures());
        try
        {
            final AcmeClient.Issued result = client.order(domain, current, new ChangeLogRoute());
            try
            {
                issuance.store(domain, result.chainPem(), result.pkcs8Key());
            }
            finally
            {
                java.util.Arrays.fill(result.pkcs8Key(), (byte)0);
            }
            issued.incrementAndGet();
            final X509Certificate leaf = issuance.current(domain);
            final long next = nextCheck(leaf, clock.time());
            setStatus(domain, ACTIVE, null, clock.time(), next, 0);
            LOG.info("ACME: {} has a certificate until {}; next look {}", domain, leaf.getNotAfter().toInstant(), Instant.ofEpochMilli(next));
        }
        catch (final AcmeClient.Failure ex)
        {
            failed.incrementAndGet();
            final long at = clock.time();
            long next = at + backoff(state.failures(), options);
            if (ex.retryAfter() != null)
            {
                next = Math.max(next, ex.retryAfter().toEpochMilli());
            }
            setStatus(domain, FAILED, ex.getMessage(), at, next, state.failures() + 1);
            LOG.warn("ACME: {} failed ({} in a row): {}; next try {}", domain, state.failures() + 1, ex.getMessage(), Instant.ofEpochMilli(next));
        }
    }

    /** A certificate is due at two thirds of its lifetime, or when the CA's ARI window has opened; else rescheduled. */
    private boolean renewalDue(final String domain, final X509Certificate current, final long now) throws Exception
    {
        if (now >= twoThirds(current))
        {
            return true;
        }
        final Instant suggested = client.suggestedRenewal(current).orElse(null);
        if (suggested != null && suggested.toEpochMilli() <= now)
        {
            return true;
        }
        final long next = Math.min(nextCheck(current, now), suggested == null ? Long.MAX_VALUE : suggested.toEpochMilli());
        store.writer().call(txn -> AcmeQueries.reschedule(txn.connection(), domain, next));
        return false;
    }

    /** When to look again at a fresh certificate: at two thirds of its life, and every 6 hours before for ARI where offered. */
    private long nextCheck(final X509Certificate leaf, final long now)
    {
        final long due = twoThirds(leaf);
        return client.renewalInfoKnownOffered() ? Math.min(due, now + RENEWAL_INFO_INTERVAL_MS) : due;
    }

    static long twoThirds(final X509Certificate leaf)
    {
        final long from = leaf.getNotBefore().getTime();
        return from + (leaf.getNotAfter().getTime() - from) * 2 / 3;
    }

    /** @return the wait after {@code failures} failures in a row: {@code --acme-retry-min-ms} doubling to the max. */
    static long backoff(final int failures, final AcmeOptions options)
    {
        long wait = options.retryMinMs();
        for (int i = 0; i < failures && wait < options.retryMaxMs(); i++)
        {
            wait *= 2;
        }
        return Math.min(wait, options.retryMaxMs());
    }

    /** @return orders that may still start within the hour's window (a look, not a claim: {@link #takeOrderSlot} claims). */
    private synchronized int ordersLeft(final long now)
    {
        int recent = 0;
        for (final long at : recentOrders)
        {
            recent += at > now - HOUR_MS ? 1 : 0;
        }
        return options.ordersPerHour() - recent;
    }

    private synchronized boolean takeOrderSlot(final long now)
    {
        while (!recentOrders.isEmpty() && recentOrders.peekFirst() <= now - HOUR_MS)
        {
            recentOrders.pollFirst();
        }
        if (recentOrders.size() >= options.ordersPerHour())
        {
            return false;
        }
        recentOrders.addLast(now);
        return true;
    }

    private synchronized long oldestOrderExpiry()
    {
        return recentOrders.isEmpty() ? clock.time() : recentOrders.peekFirst() + HOUR_MS;
    }

    private void setStatus(final String domain, final String status, final String detail, final long atMs, final long nextAtMs,
        final int failures) throws Exception
    {
        final String bounded = detail == null ? null : detail.length() > 1_000 ? detail.substring(0, 1_000) + "..." : detail;
        store.writer().call(txn ->
        {
            AcmeQueries.setStatus(txn.connection(), domain, status, bounded, atMs, nextAtMs, failures);
            return null;
        });
    }

    /** The gauges, from the store at most every 10 s. */
    private void countNow(final long now) throws Exception
    {
        if (now - countedAtMs < 10_000)
        {
            return;
        }
        countedAtMs = now;
        store.readers().read(c ->
        {
            final Map<String, Long> counts = new java.util.HashMap<>();
            STATUSES.forEach(s -> counts.put(s, 0L));
            for (final Object[] pair : AcmeQueries.countByStatus(c))
            {
                counts.put((String)pair[0], (Long)pair[1]);
            }
            byStatus = Map.copyOf(counts);
            return null;
        });
    }

    public void register(final PrometheusRegistry registry)
    {
        Metrics.counter(registry, "bounce_acme_certificates_issued_total", "Certificates ACME issued (new and renewed).", issued::get);
        Metrics.counter(registry, "bounce_acme_orders_failed_total", "ACME orders that ended without a certificate.", failed::get);
        Metrics.counter(registry, "bounce_acme_orders_deferred_total",
            "Orders that passed their DNS check when --acme-orders-per-hour had just been reached (tried again when the hour's " +
                "window moves).", deferred::get);
        Metrics.gauge(registry, "bounce_acme_orders_waiting",
            "Domains due at the issuer's last look that could not start: --acme-orders-per-hour or --acme-concurrency held them.",
            () -> waiting);
        registry.register(GaugeWithCallback.builder().name("bounce_acme_domains")
            .help("Domains with --https auto, by status (pending-dns, issuing, active, renewing, failed).")
            .labelNames("status")
            .callback(callback -> byStatus.forEach((status, count) -> callback.call(count, status)))
            .build());
    }

    @Override
    public void close()
    {
        Agents.stop(runner, 1_000);
        orders.shutdownNow();
        try
        {
            orders.awaitTermination(2, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Challenges through the change log: stored and appended in one transaction, like every change the edges see. */
    private final class ChangeLogRoute implements AcmeClient.ChallengeRoute
    {
        @Override
        public void publish(final String domain, final String token, final String keyAuthorization, final Instant expires) throws Exception
        {
            append(seq -> new AcmeChallenge(seq, domain, token, keyAuthorization, expires.toEpochMilli()));
        }

        @Override
        public void withdraw(final String domain) throws Exception
        {
            append(seq -> AcmeChallenge.withdrawn(seq, domain));
        }

        private void append(final java.util.function.LongFunction<AcmeChallenge> make) throws Exception
        {
            store.writer().call(txn ->
            {
                final AcmeChallenge challenge = make.apply(txn.nextSequence());
                AcmeQueries.putChallenge(txn.connection(), challenge);
                txn.append(challenge);
                return null;
            });
        }
    }
}
