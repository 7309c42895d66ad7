package io.bounce.edge;

import java.io.PrintStream;
import java.util.Map;

import io.bounce.runtime.launch.RoleLauncher;
import io.bounce.edge.replica.ReplicaLockedException;
import org.agrona.concurrent.SystemEpochClock;
import picocli.CommandLine;

/** {@code bounce edge}: parse and validate the configuration, start the node, stop it on SIGTERM. */
public final class EdgeMain
{
    private EdgeMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(final String[] args, final Map<String, String> environment, final PrintStream out, final PrintStream err)
        throws Exception
    {
        final EdgeConfig config = new EdgeConfig();
        final Integer exit = RoleLauncher.parse(new CommandLine(config), args, environment, out, err, config::conclude);
        if (exit != null)
        {
            return exit;
        }
        final EdgeNode node;
        try
        {
            node = EdgeNode.start(config, SystemEpochClock.INSTANCE, out);
        }
        catch (final ReplicaLockedException ex)
        {
            err.println("bounce edge: " + ex.getMessage());
            return 1;
        }
        if (node != null)
        {
            RoleLauncher.runUntilStopped(node, "edge");
        }
        return 0;
    }
}
