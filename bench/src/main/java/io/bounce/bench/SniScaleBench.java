package io.bounce.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.bounce.runtime.limits.ConnectionLimits;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.server.Transport;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.tls.DevelopmentCa;
import io.bounce.runtime.tls.ServerCertificate;
import io.bounce.runtime.tls.ServerTls;
import io.bounce.runtime.tls.TlsEngine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.HdrHistogram.Histogram;

/**
 * Certificates by SNI at scale: one TLS port (the runtime's {@link ServerTls}, as the edge's) holding one
 * certificate, then {@code N} certificates for {@code N} domains (ECDSA P-256, from a development CA).
 * Reports the time to load them, the process's resident memory and heap before and after, and the
 * latency of full TLS 1.3 handshakes over loopback (JDK client, a fresh context each, so none resumes),
 * each asking for a random one of the loaded names, before and after: the lookup is a hash, so the
 * handshake should not notice the number of names.
 *
 * <p>Usage: {@code SniScaleBench DIR [DOMAINS=10000] [HANDSHAKES=2000]}
 */
public final class SniScaleBench
{
    private SniScaleBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final int domains = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        final int handshakes = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        Files.createDirectories(dir);
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));

        final long issueStart = System.nanoTime();
        final List<ServerCertificate> certificates = new ArrayList<>(domains);
        final List<String> names = new ArrayList<>(domains);
        for (int i = 0; i < domains; i++)
        {
            final String name = "d" + i + ".brand" + (i % 97) + ".example";
            final DevelopmentCa.Issued issued = ca.issue(List.of(name), "EC", Duration.ofDays(90));
            certificates.add(ServerCertificate.parse(issued.chainPem(), issued.keyPem()));
            names.add(name);
        }
        final double issueS = (System.nanoTime() - issueStart) / 1e9;

        final ServerTls tls = new ServerTls("bench", TlsEngine.OPENSSL, List.of("http/1.1"));
        tls.replace("bench", certificates.subList(0, 1));
        try (NettyServer server = new NettyServer(new NettyServer.Settings("bench", Transport.auto(), 1, "127.0.0.1", 0, 4096),
            ConnectionLimits.unlimited("bench"), new HandshakeOnly(), tls, null))
        {
            final int port = server.localAddress().getPort();
            final Histogram one = handshakes(ca.caFile(), port, names.subList(0, 1), handshakes);
            long cpu = serverCpuNs();
            final double oneRate = handshakesPerSecond(ca.caFile(), port, names.subList(0, 1));
            final double oneCpuUs = (serverCpuNs() - cpu) / 1e3 / (oneRate * RATE_SECONDS);
            System.gc();
            final long rssBefore = rssKb();
            final long heapBefore = heapBytes();
            final long loadStart = System.nanoTime();
            tls.replace("bench", certificates);
            final double loadS = (System.nanoTime() - loadStart) / 1e9;
            System.gc();
            final long rssAfter = rssKb();
            final long heapAfter = heapBytes();
            final Histogram many = handshakes(ca.caFile(), port, names, handshakes);
            cpu = serverCpuNs();
            final double manyRate = handshakesPerSecond(ca.caFile(), port, names);
            final double manyCpuUs = (serverCpuNs() - cpu) / 1e3 / (manyRate * RATE_SECONDS);
            final long reloadStart = System.nanoTime();
            tls.replace("bench", certificates); // the change log's next publish: every context is reused
            final double reloadS = (System.nanoTime() - reloadStart) / 1e9;
            System.out.printf("BENCH sni domains=%d issue_s=%.1f load_s=%.2f reload_unchanged_s=%.3f rss_mb_before=%d rss_mb_after=%d " +
                    "rss_kb_per_domain=%.1f heap_mb_before=%d heap_mb_after=%d%n",
                domains, issueS, loadS, reloadS, rssBefore / 1024, rssAfter / 1024, (rssAfter - rssBefore) / (double)domains,
                heapBefore >> 20, heapAfter >> 20);
            System.out.printf("BENCH sni handshake_ms names=1 p50=%.2f p90=%.2f p99=%.2f | names=%d p50=%.2f p90=%.2f p99=%.2f%n",
                one.getValueAtPercentile(50) / 1e6, one.getValueAtPercentile(90) / 1e6, one.getValueAtPercentile(99) / 1e6,
                domains, many.getValueAtPercentile(50) / 1e6, many.getValueAtPercentile(90) / 1e6, many.getValueAtPercentile(99) / 1e6);
            System.out.printf("BENCH sni handshakes_per_s names=1 %.0f | names=%d %.0f | ratio %.2f%n", oneRate, domains, manyRate,
                manyRate / oneRate);
            System.out.printf("BENCH sni server_cpu_us_per_handshake names=1 %.0f | names=%d %.0f%n", oneCpuUs, domains, manyCpuUs);
        }
    }

    /** {@code count} full handshakes, each naming a random one of {@code names} and checking the certificate covers it. */
    private static Histogram handshakes(final Path caFile, final int port, final List<String> names, final int count)
        throws Exception
    {
        final SplittableRandom random = new SplittableRandom(14);
        final Histogram latency = new Histogram(10_000_000_000L, 3);
        for (int i = -count / 10; i < count; i++) // the first tenth warms up and is not recorded
        {
            final String name = names.get(random.nextInt(names.size()));
            // A new context each time (made before the clock starts): the JDK client would otherwise resume the last session.
            final SSLContext context = ClientTrust.trusting(caFile);
            final long start = System.nanoTime();
            try (SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket("127.0.0.1", port))
            {
                final SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(name)));
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
            }
            if (i >= 0)
            {
                latency.recordValue(System.nanoTime() - start);
            }
        }
        return latency;
    }

    /**
     * Full handshakes a second for {@value #RATE_SECONDS} s from {@value #RATE_THREADS} client threads, each naming a random
     * one of {@code names}; each session is invalidated after its handshake, so none resumes.
     */
    private static double handshakesPerSecond(final Path caFile, final int port, final List<String> names) throws Exception
    {
        final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        final long deadline = System.nanoTime() + RATE_SECONDS * 1_000_000_000L;
        final List<Thread> threads = new ArrayList<>();
        final List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < RATE_THREADS; t++)
        {
            final SSLContext context = ClientTrust.trusting(caFile);
            final SplittableRandom random = new SplittableRandom(t);
            final Thread thread = new Thread(() ->
            {
                try
                {
                    while (System.nanoTime() < deadline)
                    {
                        try (SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket("127.0.0.1", port))
                        {
                            final SSLParameters parameters = socket.getSSLParameters();
                            parameters.setServerNames(List.of(new SNIHostName(names.get(random.nextInt(names.size())))));
                            parameters.setEndpointIdentificationAlgorithm("HTTPS");
                            socket.setSSLParameters(parameters);
                            socket.startHandshake();
                            socket.getSession().invalidate();
                        }
                        done.incrementAndGet();
                    }
                }
                catch (final Exception ex)
                {
                    failures.add(ex);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        if (!failures.isEmpty())
        {
            throw failures.get(0);
        }
        return done.get() / (double)RATE_SECONDS;
    }

    private static final int RATE_SECONDS = 10;

    /** @return CPU time of the server's event loop ({@code bench-loop-*}) so far, in ns. */
    private static long serverCpuNs()
    {
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds()))
        {
            if (info != null && info.getThreadName().startsWith("bench-loop"))
            {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }
    private static final int RATE_THREADS = 2;

    private static long rssKb() throws Exception
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long heapBytes()
    {
        final Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** Each connection closes once its handshake is done. */
    private static final class HandshakeOnly extends ChannelInitializer<Channel>
    {
        @Override
        protected void initChannel(final Channel channel)
        {
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter()
            {
                @Override
                public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
                {
                    if (event instanceof SslHandshakeCompletionEvent)
                    {
                        ctx.close();
                    }
                }
            });
        }
    }
}
