package io.bounce.runtime.launch;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;

/**
 * What every role's {@code main} does the same way: parse the command line with {@link LaunchDefaults},
 * answer {@code --help} and {@code --version}, validate; then run until SIGTERM.
 */
public final class RoleLauncher
{
    private RoleLauncher()
    {
    }

    /**
     * Parse {@code args} into the command's configuration object and validate it with {@code conclude}.
     *
     * @return null to go on and start the role, or the exit code to stop with: 0 after help or version,
     * 2 for a bad option (the message and a pointer to --help go to {@code err}).
     */
    public static Integer parse(
        final CommandLine commandLine,
        final String[] args,
        final Map<String, String> environment,
        final PrintStream out,
        final PrintStream err,
        final Runnable conclude)
    {
        final String name = commandLine.getCommandName();
        try
        {
            final LaunchDefaults defaults = LaunchDefaults.forArgs(args, environment);
            commandLine.setDefaultValueProvider(defaults);
            commandLine.parseArgs(args);
            defaults.checkFileKeys(commandLine.getCommandSpec());
            if (commandLine.isUsageHelpRequested())
            {
                commandLine.usage(out);
                return 0;
            }
            if (commandLine.isVersionHelpRequested())
            {
                commandLine.printVersionHelp(out);
                return 0;
            }
            conclude.run();
            return null;
        }
        catch (final CommandLine.ParameterException | IllegalArgumentException | IOException ex)
        {
            err.println(name + ": " + ex.getMessage());
            err.println("Try '" + name + " --help'.");
            return 2;
        }
    }

    /** Block until the JVM is asked to stop (SIGTERM, Ctrl-C); the shutdown hook closes {@code role} first. */
    public static void runUntilStopped(final AutoCloseable role, final String name) throws InterruptedException
    {
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try
            {
                role.close();
            }
            catch (final Exception ex)
            {
                System.err.println(name + ": stopping failed: " + ex);
            }
            finally
            {
                stopped.countDown();
            }
        }, name + "-shutdown"));
        stopped.await();
    }

    /**
     * The one range check every configuration class uses.
     *
     * @throws IllegalArgumentException naming the option, its range and the value.
     */
    public static void requireRange(final String option, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
