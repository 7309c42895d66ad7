package io.bounce.control;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.bounce.config.LaunchDefaults;
import org.agrona.concurrent.SystemEpochClock;
import picocli.CommandLine;

/** {@code bounce control-plane}: parse and validate the configuration, start, stop on SIGTERM. */
public final class ControlPlaneMain
{
    private ControlPlaneMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(final String[] args, final Map<String, String> environment, final PrintStream out, final PrintStream err)
        throws Exception
    {
        final ControlPlaneConfig config = new ControlPlaneConfig();
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
                out.println("bounce control-plane 0.1.0");
                return 0;
            }
            config.conclude();
        }
        catch (final CommandLine.ParameterException | IllegalArgumentException | IOException ex)
        {
            err.println("bounce control-plane: " + ex.getMessage());
            err.println("Try 'bounce control-plane --help'.");
            return 2;
        }
        final ControlPlaneNode node = ControlPlaneNode.start(config, SystemEpochClock.INSTANCE, out);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            node.close();
            stopped.countDown();
        }, "control-plane-shutdown"));
        stopped.await();
        return 0;
    }
}
