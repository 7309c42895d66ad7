package io.bounce.edge.clicks;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import java.net.URI;

import picocli.CommandLine.Option;

/**
 * The edge's click-recording settings (mixed into {@code EdgeConfig}): where click files go, the
 * token that both authenticates them and keys visitor hashes, and the sizes and periods of the
 * ring, the files and their disk budget.
 */
public final class ClickOptions
{
    @Option(names = "--aggregator", paramLabel = "URL",
        description = "Where click files go (the control plane's API by default: --control-plane). Without either, clicks are not recorded.")
    String aggregator;

    @Option(names = "--record-clicks", defaultValue = "true", arity = "1", paramLabel = "true|false",
        description = "Record every answered lookup as a click event (needs an aggregator). Default: ${DEFAULT-VALUE}")
    boolean recordClicks;

    @Option(names = "--click-token", paramLabel = "TOKEN",
        description = "Token for the aggregator, and the fleet secret visitor hashes are keyed with. Default: the replication token.")
    String clickToken;

    @Option(names = "--click-ring-bytes", defaultValue = "8388608",
        description = "Size of the in-memory event ring (power of two); a full ring drops events. Default: ${DEFAULT-VALUE}")
    int clickRingBytes;

    @Option(names = "--click-rotate-ms", defaultValue = "5000",
        description = "Finish a click file after this long, in ms. Default: ${DEFAULT-VALUE}")
    long clickRotateMs;

    @Option(names = "--click-rotate-bytes", defaultValue = "67108864",
        description = "... or once it holds this many (uncompressed) bytes. Default: ${DEFAULT-VALUE}")
    long clickRotateBytes;

    @Option(names = "--click-disk-budget-bytes", defaultValue = "1073741824",
        description = "Most bytes of unshipped click files; beyond it new events are dropped (files never are). Default: ${DEFAULT-VALUE}")
    long clickDiskBudgetBytes;

    @Option(names = "--click-ship-deadline-ms", defaultValue = "5000",
        description = "On SIGTERM, how long to try shipping what is left, in ms; the rest ships after the next start. Default: ${DEFAULT-VALUE}")
    long clickShipDeadlineMs;

    private URI resolvedAggregator;

    /**
     * Validate and resolve where clicks go.
     *
     * @param controlPlane     the edge's {@code --control-plane}, the aggregator when none is given; may be null.
     * @param replicationToken the edge's replication token, the click token when none is given; may be null.
     * @throws IllegalArgumentException naming the first setting that is out of range.
     */
    public void conclude(final String controlPlane, final String replicationToken)
    {
        final String aggregatorUrl = aggregator != null ? aggregator : controlPlane;
        if (recordClicks && aggregatorUrl != null)
        {
            resolvedAggregator = URI.create(aggregatorUrl.endsWith("/") ? aggregatorUrl : aggregatorUrl + "/");
            if (clickToken == null)
            {
                clickToken = replicationToken;
            }
            if (clickToken == null || clickToken.length() < 16)
            {
                throw new IllegalArgumentException("recording clicks needs --click-token (or a replication token) of 16+ characters");
            }
        }
        if (Integer.bitCount(clickRingBytes) != 1 || clickRingBytes < 65536)
        {
            throw new IllegalArgumentException("--click-ring-bytes must be a power of two, at least 65536");
        }
        requireRange("--click-rotate-ms", clickRotateMs, 10, 3_600_000L);
        requireRange("--click-rotate-bytes", clickRotateBytes, 4096, 1L << 30);
        requireRange("--click-disk-budget-bytes", clickDiskBudgetBytes, 1 << 20, Long.MAX_VALUE / 4);
        requireRange("--click-ship-deadline-ms", clickShipDeadlineMs, 0, 600_000L);
    }

    /** @return where click files go, or null when clicks are not recorded. */
    public URI aggregator()
    {
        return resolvedAggregator;
    }

    public String clickToken()
    {
        return clickToken;
    }

    public int ringBytes()
    {
        return clickRingBytes;
    }

    public long rotateMs()
    {
        return clickRotateMs;
    }

    public long rotateBytes()
    {
        return clickRotateBytes;
    }

    public long diskBudgetBytes()
    {
        return clickDiskBudgetBytes;
    }

    public long shipDeadlineMs()
    {
        return clickShipDeadlineMs;
    }
}
