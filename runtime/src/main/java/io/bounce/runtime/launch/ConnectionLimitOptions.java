package io.bounce.runtime.launch;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import io.bounce.runtime.limits.ConnectionLimits;
import picocli.CommandLine.Option;

/**
 * The connection limits of a role's public port, the same options on every role that serves one (mixed
 * into the edge's, the control plane's and the aggregator's configuration); see {@link ConnectionLimits}.
 */
public final class ConnectionLimitOptions
{
    @Option(names = "--max-connections", paramLabel = "N",
        description = "Connections the port holds open at once; more are closed on arrival and counted. " +
            "Default: 500000 on the edge (under its unit's LimitNOFILE of 1048576), 32768 on the control plane and the aggregator.")
    Integer maxConnections;

    @Option(names = "--max-connections-per-address", paramLabel = "N", defaultValue = "0",
        description = "Connections one client address may hold open at once; 0 for no limit. Off by default: carrier-grade " +
            "NAT puts thousands of people behind one address, and behind a PROXY-protocol load balancer every connection " +
            "comes from the balancer. Default: ${DEFAULT-VALUE}")
    int maxConnectionsPerAddress;

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        if (maxConnections != null)
        {
            requireRange("--max-connections", maxConnections, 1, 10_000_000);
        }
        requireRange("--max-connections-per-address", maxConnectionsPerAddress, 0, 10_000_000);
    }

    /** The limits, with {@code roleDefault} when {@code --max-connections} is not set. */
    public ConnectionLimits limits(final String server, final int roleDefault)
    {
        return new ConnectionLimits(server, maxConnections == null ? roleDefault : maxConnections, maxConnectionsPerAddress);
    }
}
