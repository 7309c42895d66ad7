package io.bounce.aggregator;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import io.bounce.runtime.files.SecretFiles;
import picocli.CommandLine.Option;

/**
 * The options of click ingest, the same wherever the aggregator runs: mixed into the aggregator's own
 * configuration and into the control plane's (which embeds an aggregator by default), so both take
 * them under the same names, defaults and bounds.
 */
public final class ClickIngestOptions
{
    @Option(names = "--click-token", paramLabel = "TOKEN",
        description = "Token edges present to ship click files. Default: the role's own (the control plane's replication " +
            "token; the aggregator's <data-dir>/click.token, created on first start).")
    String clickToken;

    @Option(names = "--max-click-file-bytes", defaultValue = "67108864",
        description = "Largest click file accepted, compressed; larger gets 413. Default: ${DEFAULT-VALUE}")
    long maxClickFileBytes;

    @Option(names = "--max-click-file-uncompressed-bytes", defaultValue = "268435456",
        description = "Largest click file once decompressed; beyond it the file is refused (no decompression bombs). Default: ${DEFAULT-VALUE}")
    long maxClickFileUncompressedBytes;

    @Option(names = "--max-click-pending-bytes", defaultValue = "1073741824",
        description = "Decompressed click files accepted and not yet counted beyond which new files get 503 and are sent again later. Default: ${DEFAULT-VALUE}")
    long maxClickPendingBytes;

    @Option(names = "--max-click-batch-bytes", defaultValue = "268435456",
        description = "Decompressed click files counted in one store transaction at most (a single larger file is counted alone). Default: ${DEFAULT-VALUE}")
    long maxClickBatchBytes;

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        if (clickToken != null && clickToken.trim().length() < SecretFiles.MIN_TOKEN_LENGTH)
        {
            throw new IllegalArgumentException("--click-token must be at least " + SecretFiles.MIN_TOKEN_LENGTH + " characters");
        }
        requireRange("--max-click-file-bytes", maxClickFileBytes, 1024, Integer.MAX_VALUE - 1024);
        requireRange("--max-click-file-uncompressed-bytes", maxClickFileUncompressedBytes, 1024, 1L << 34);
        requireRange("--max-click-pending-bytes", maxClickPendingBytes, 1024, Long.MAX_VALUE);
        requireRange("--max-click-batch-bytes", maxClickBatchBytes, 1024, 1L << 34);
    }

    /** @return the configured click token, or null to use the role's own. */
    public String clickToken()
    {
        return clickToken == null ? null : clickToken.trim();
    }

    public long maxClickFileBytes()
    {
        return maxClickFileBytes;
    }

    public long maxClickFileUncompressedBytes()
    {
        return maxClickFileUncompressedBytes;
    }

    public long maxClickPendingBytes()
    {
        return maxClickPendingBytes;
    }

    public long maxClickBatchBytes()
    {
        return maxClickBatchBytes;
    }
}
