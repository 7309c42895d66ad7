package io.bounce.runtime.admin;

/** Writes samples in the Prometheus text exposition format: one helper per metric kind. */
public final class PrometheusText
{
    private PrometheusText()
    {
    }

    public static void counter(final StringBuilder out, final String name, final String help, final long value)
    {
        sample(out, name, help, "counter", value);
    }

    public static void gauge(final StringBuilder out, final String name, final String help, final double value)
    {
        sample(out, name, help, "gauge", value);
    }

    private static void sample(final StringBuilder out, final String name, final String help, final String type, final double value)
    {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
            .append("# TYPE ").append(name).append(' ').append(type).append('\n')
            .append(name).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            out.append((long)value);
        }
        else
        {
            out.append(value);
        }
        out.append('\n');
    }
}
