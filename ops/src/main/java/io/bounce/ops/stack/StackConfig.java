package io.bounce.ops.stack;

import java.nio.file.Path;

import io.bounce.runtime.launch.ConfigFileOption;
import io.bounce.runtime.launch.LaunchDefaults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

/** Every setting of {@code bounce up}, validated by {@link #conclude()}, and the source of its {@code --help}. */
@Command(
    name = "bounce up",
    mixinStandardHelpOptions = true,
    version = "bounce up 0.1.0",
    sortOptions = false,
    description = "Runs the whole stack on loopback: a control plane and N edges following it, each in its own process " +
        "with its own data dir under --data-dir and its log in <data-dir>/logs/. Waits until all are ready, prints their " +
        "URLs, the dashboard's first admin sign-in (its password in <data-dir>/admin.password) and the admin key (also " +
        "written to <data-dir>/admin.key), and stops everything on Ctrl-C or SIGTERM. " +
        "Creates no links.",
    footer = LaunchDefaults.HELP_FOOTER)
public final class StackConfig
{
    @Mixin
    ConfigFileOption configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data",
        description = "Where every process keeps its data and logs. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--edges", defaultValue = "1", description = "Edges to run. Default: ${DEFAULT-VALUE}")
    int edges;

    @Option(names = "--api-port", defaultValue = "7070",
        description = "Control-plane API port (also serves the change log); 0 picks a free one. Default: ${DEFAULT-VALUE}")
    int apiPort;

    @Option(names = "--admin-port", defaultValue = "9070",
        description = "Control-plane admin port; 0 picks a free one. Default: ${DEFAULT-VALUE}")
    int adminPort;

    @Option(names = "--edge-port", defaultValue = "8080",
        description = "First edge's port; edge N gets this + N - 1; 0 picks free ones. Default: ${DEFAULT-VALUE}")
    int edgePort;

    @Option(names = "--edge-https-port", defaultValue = "8443",
        description = "First edge's HTTPS port; edge N gets this + N - 1; 0 picks free ones. Its certificate (localhost) comes " +
            "from the stack's development CA, <data-dir>/ca/ca.pem. Default: ${DEFAULT-VALUE}")
    int edgeHttpsPort;

    @Option(names = "--edge-admin-port", defaultValue = "9080",
        description = "First edge's admin port; edge N gets this + N - 1; 0 picks free ones. Default: ${DEFAULT-VALUE}")
    int edgeAdminPort;

    @Option(names = "--acme-directory", paramLabel = "URL",
        description = "Get --https auto domains' certificates from this ACME server (a local Pebble, say) instead of the " +
            "development CA; the edges answer its challenges on their HTTP and HTTPS ports.")
    String acmeDirectory;

    @Option(names = "--acme-ca-file", paramLabel = "FILE", description = "PEM certificates to trust for the ACME server's HTTPS.")
    Path acmeCaFile;

    @Option(names = "--ready-timeout-ms", defaultValue = "120000",
        description = "How long to wait for every process to be ready before giving up, in ms. Default: ${DEFAULT-VALUE}")
    long readyTimeoutMs;

    @Option(names = "--stop-timeout-ms", defaultValue = "30000",
        description = "How long each process gets to stop after SIGTERM before it is killed, in ms. Default: ${DEFAULT-VALUE}")
    long stopTimeoutMs;

    public StackConfig conclude()
    {
        requireRange("--edges", edges, 1, 64);
        requireRange("--api-port", apiPort, 0, 65535);
        requireRange("--admin-port", adminPort, 0, 65535);
        requireRange("--edge-port", edgePort, 0, 65535 - edges);
        requireRange("--edge-admin-port", edgeAdminPort, 0, 65535 - edges);
        requireRange("--edge-https-port", edgeHttpsPort, 0, 65535 - edges);
        requireRange("--ready-timeout-ms", readyTimeoutMs, 1000, 3_600_000L);
        requireRange("--stop-timeout-ms", stopTimeoutMs, 100, 600_000L);
        return this;
    }

    /** @return whether any port is picked free at start (option 0), so a port taken before its child binds it can be picked again. */
    boolean picksPorts()
    {
        return apiPort == 0 || adminPort == 0 || edgePort == 0 || edgeHttpsPort == 0 || edgeAdminPort == 0;
    }
}
