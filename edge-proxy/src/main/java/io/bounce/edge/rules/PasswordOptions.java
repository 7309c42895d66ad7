package io.bounce.edge.rules;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import picocli.CommandLine.Option;

/**
 * The edge's limits on password checks (mixed into {@code EdgeConfig}). A check is an argon2id run of tens of
 * milliseconds on the edge's one password thread, so every budget is counted before a check runs, never after.
 */
public final class PasswordOptions
{
    @Option(names = "--password-checks-per-second", defaultValue = "4",
        description = "Most password checks the edge runs a second, over all links and visitors; beyond it visitors get 503 " +
            "and Retry-After. Default: ${DEFAULT-VALUE}")
    double checksPerSecond;

    @Option(names = "--password-checks-per-link-per-second", defaultValue = "0.5",
        description = "Most password checks a second for one link (bursts of 20 times it): a brute-force flood on one link " +
            "cannot take the others' share, nor more than this of the edge's CPU. Default: ${DEFAULT-VALUE}")
    double checksPerLinkPerSecond;

    @Option(names = "--password-tries-per-visitor-per-minute", defaultValue = "10",
        description = "Password tries a minute for one visitor (an IPv4 address or IPv6 /64; bursts of the same), beyond which " +
            "it gets 429 without a check. Default: ${DEFAULT-VALUE}")
    double triesPerVisitorPerMinute;

    @Option(names = "--password-pass-seconds", defaultValue = "3600",
        description = "How long a visitor who gave a link's password may follow it again without giving it (the pass cookie's " +
            "Max-Age). Default: ${DEFAULT-VALUE}")
    int passSeconds;

    /** @throws IllegalArgumentException naming the first setting that is out of range. */
    public void conclude()
    {
        within("--password-checks-per-second", checksPerSecond, 0.1, 10_000);
        within("--password-checks-per-link-per-second", checksPerLinkPerSecond, 0.01, 10_000);
        within("--password-tries-per-visitor-per-minute", triesPerVisitorPerMinute, 1, 100_000);
        requireRange("--password-pass-seconds", passSeconds, 60, 30 * 86_400);
    }

    private static void within(final String option, final double value, final double min, final double max)
    {
        if (!(value >= min && value <= max))
        {
            throw new IllegalArgumentException(option + " must be from " + min + " to " + max + ", not " + value);
        }
    }

    public double checksPerSecond()
    {
        return checksPerSecond;
    }

    public double checksPerLinkPerSecond()
    {
        return checksPerLinkPerSecond;
    }

    public double triesPerVisitorPerMinute()
    {
        return triesPerVisitorPerMinute;
    }

    public int passSeconds()
    {
        return passSeconds;
    }
}
