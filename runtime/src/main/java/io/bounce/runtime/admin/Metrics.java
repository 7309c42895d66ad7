package io.bounce.runtime.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Every role's metrics go through the Prometheus Java client: one {@link PrometheusRegistry} per role
 * (so a test can run an edge and a control plane in one JVM), exposed in the text format by the
 * {@link AdminServer}. A role's own numbers stay where they are counted (an event loop's counters, an
 * {@code AtomicLong}) and are read by a callback at scrape time, so counting costs the counted path
 * nothing new; these helpers are the callbacks' shorthand.
 */
public final class Metrics
{
    /** The content type of {@link #text}: the Prometheus text format, version 0.0.4. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();
    private static final String VERSION = readVersion();

    private Metrics()
    {
    }

    /**
     * A registry for one role, holding what every role exports: the JVM's and the process's metrics
     * (heap, GC, threads, CPU, descriptors: what the runbooks ask about) and {@code bounce_build_info}.
     */
    public static PrometheusRegistry registry(final String role)
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        Info.builder().name("bounce_build_info").help("This process's role and Bounce version (always 1).")
            .labelNames("role", "version").register(registry).setLabelValues(role, VERSION);
        return registry;
    }

    /** A counter whose value {@code value} reads at scrape time. */
    public static void counter(final PrometheusRegistry registry, final String name, final String help, final LongSupplier value)
    {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    /** A gauge whose value {@code value} reads at scrape time. */
    public static void gauge(final PrometheusRegistry registry, final String name, final String help, final DoubleSupplier value)
    {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }

    /** A counter with one sample per key, labelled {@code label="labelOf(key)"}, read by {@code valueOf} at scrape time. */
    public static <K> void counters(final PrometheusRegistry registry, final String name, final String help, final String label,
        final K[] keys, final Function<K, String> labelOf, final ToDoubleFunction<K> valueOf)
    {
        CounterWithCallback.builder().name(name).help(help).labelNames(label).callback(cb ->
        {
            for (final K key : keys)
            {
                cb.call(valueOf.applyAsDouble(key), labelOf.apply(key));
            }
        }).register(registry);
    }

    /** Everything {@code registry} holds now, in the text format. */
    public static byte[] text(final PrometheusRegistry registry)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try
        {
            WRITER.write(out, registry.scrape());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static String readVersion()
    {
        try (InputStream in = Metrics.class.getResourceAsStream("/io/bounce/runtime/build.properties"))
        {
            final Properties properties = new Properties();
            if (in != null)
            {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }
}
