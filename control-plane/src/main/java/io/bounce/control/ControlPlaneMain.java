package io.bounce.control;

import java.io.PrintStream;
import java.util.Map;

import io.bounce.runtime.launch.RoleLauncher;
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
        final Integer exit = RoleLauncher.parse(new CommandLine(config), args, environment, out, err, config::conclude);
        if (exit != null)
        {
            return exit;
        }
        RoleLauncher.runUntilStopped(ControlPlaneNode.start(config, SystemEpochClock.INSTANCE, out), "control-plane");
        return 0;
    }
}
