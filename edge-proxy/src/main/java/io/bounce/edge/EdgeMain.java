package io.bounce.edge;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.bounce.config.LaunchDefaults;
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
        final CommandLine commandLine = new CommandLine(config);
        try
        {
            commandLine.setDefaultValueProvider(LaunchDefaults.forArgs(args, environment));
            commandLine.parseArgs(args);
            if (commandLine.isUsageHelpRequested())
            {
                commandLine.usage(out);
                return 0;
            }
            if (commandLine.isVersionHelpRequested())
            {
                out.println("bounce edge 0.1.0");
                return 0;
            }
            config.conclude();
        }
        catch (final CommandLine.ParameterException | IllegalArgumentException | IOException ex)
        {
            err.println("bounce edge: " + ex.getMessage());
            err.println("Try 'bounce edge --help'.");
            return 2;
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
        if (node == null)
        {
            return 0;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            node.close();
            stopped.countDown();
        }, "edge-shutdown"));
        stopped.await();
        return 0;
    }
}
