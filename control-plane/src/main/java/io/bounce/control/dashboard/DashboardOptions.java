package io.bounce.control.dashboard;

import picocli.CommandLine.Option;

/**
 * The dashboard (mixed into the control plane's configuration): whether the API port serves it, the first admin
 * account, how long a session lasts, the sign-in limits, and how often a link's page refreshes its clicks.
 */
public final class DashboardOptions
{
    @Option(names = "--dashboard", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Serve the web dashboard at / on the API port (--no-dashboard: the API alone). Default: ${DEFAULT-VALUE}")
    boolean enabled;

    @Option(names = "--admin-email", defaultValue = "admin@localhost", paramLabel = "EMAIL",
        description = "The first admin account's email, made with a random password (written to <data-dir>/admin.password, " +
            "mode 0600) when the store has no account. Default: ${DEFAULT-VALUE}")
    String adminEmail;

    @Option(names = "--session-hours", defaultValue = "12",
        description = "How long a dashboard sign-in lasts, in hours (1 to 720). Default: ${DEFAULT-VALUE}")
    int sessionHours;

    @Option(names = "--sign-ins-per-address-per-minute", defaultValue = "10",
        description = "Sign-in attempts one address (IPv4, or IPv6 /64) may make a minute, in bursts of as many; past it, 429. " +
            "Default: ${DEFAULT-VALUE}")
    double signInsPerAddressPerMinute;

    @Option(names = "--sign-in-lockout-failures", defaultValue = "10",
        description = "Wrong passwords in a row that lock an account's sign-in (1 to 1000). Default: ${DEFAULT-VALUE}")
    int lockoutFailures;

    @Option(names = "--sign-in-lockout-minutes", defaultValue = "15",
        description = "How long a locked account refuses every sign-in, right or wrong, in minutes (1 to 1440). Default: ${DEFAULT-VALUE}")
    int lockoutMinutes;

    @Option(names = "--dashboard-refresh-ms", defaultValue = "5000",
        description = "How often an open link page asks for its clicks again, in ms (1000 to 600000): about the time a click " +
            "takes to reach the analytics (the edges' --click-rotate-ms). Default: ${DEFAULT-VALUE}")
    long refreshMs;

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        require("--session-hours", sessionHours, 1, 720);
        require("--sign-in-lockout-failures", lockoutFailures, 1, 1000);
        require("--sign-in-lockout-minutes", lockoutMinutes, 1, 1440);
        require("--dashboard-refresh-ms", refreshMs, 1000, 600_000);
        if (!(signInsPerAddressPerMinute >= 1 && signInsPerAddressPerMinute <= 10_000))
        {
            throw new IllegalArgumentException("--sign-ins-per-address-per-minute must be 1 to 10000, was " + signInsPerAddressPerMinute);
        }
    }

    private static void require(final String name, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", was " + value);
        }
    }

    public boolean enabled()
    {
        return enabled;
    }

    public String adminEmail()
    {
        return adminEmail;
    }

    public long sessionMs()
    {
        return sessionHours * 3_600_000L;
    }

    public double signInsPerAddressPerMinute()
    {
        return signInsPerAddressPerMinute;
    }

    public int lockoutFailures()
    {
        return lockoutFailures;
    }

    public long lockoutMs()
    {
        return lockoutMinutes * 60_000L;
    }

    public long refreshMs()
    {
        return refreshMs;
    }
}
