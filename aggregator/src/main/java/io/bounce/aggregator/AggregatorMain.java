package io.bounce.aggregator;

import java.io.PrintStream;
import java.util.Map;

import io.bounce.runtime.launch.RoleLauncher;
import picocli.CommandLine;

/** {@code bounce aggregator}: parse and validate the configuration, start, stop on SIGTERM. */
public final class AggregatorMain
{
    private AggregatorMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Run the role with these arguments and streams; returns the exit code once it has stopped. */
    public static int run(final String[] args, final Map<String, String> environment, final PrintStream out, final PrintStream err)
        throws Exception
    {
        final AggregatorConfig config = new AggregatorConfig();
        final Integer exit = RoleLauncher.parse(new CommandLine(config), args, environment, out, err, config::conclude);
        if (exit != null)
        {
            return exit;
        }
        RoleLauncher.runUntilStopped(AggregatorNode.start(config, out), "aggregator");
        return 0;
    }
}
