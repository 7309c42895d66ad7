package io.bounce.runtime.launch;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import picocli.CommandLine;

/**
 * Where every Bounce process takes an option from when the command line does not give it: the
 * environment first ({@code --admin-port} ↔ {@code BOUNCE_ADMIN_PORT}), then the config file
 * ({@code admin-port=9090} in the file named by {@code --config} or {@code BOUNCE_CONFIG}), then the
 * option's own default. Shared by every role so that the rule is the same everywhere.
 */
public final class LaunchDefaults implements CommandLine.IDefaultValueProvider
{
    /** The footer every role's {@code --help} carries, so the rule is documented where it is used. */
    public static final String HELP_FOOTER =
        "%nEvery option can also be set in the environment as BOUNCE_<NAME> (--admin-port <-> BOUNCE_ADMIN_PORT)" +
        "%nor as name=value in the file given by --config or BOUNCE_CONFIG (admin-port=9080)." +
        "%nPrecedence: command line, then environment, then config file, then the default shown.";

    private final Map<String, String> environment;
    private final Properties file;
    private final String fileName;

    public LaunchDefaults(final Map<String, String> environment, final Properties file)
    {
        this(environment, file, "config file");
    }

    private LaunchDefaults(final Map<String, String> environment, final Properties file, final String fileName)
    {
        this.environment = environment;
        this.file = file;
        this.fileName = fileName;
    }

    /**
     * Defaults for a command line: reads the config file it names with {@code --config FILE} or
     * {@code --config=FILE}, or the one {@code BOUNCE_CONFIG} names.
     */
    public static LaunchDefaults forArgs(final String[] args, final Map<String, String> environment) throws IOException
    {
        String config = environment.get("BOUNCE_CONFIG");
        for (int i = 0; i < args.length; i++)
        {
            if ("--config".equals(args[i]) && i + 1 < args.length)
            {
                config = args[i + 1];
            }
            else if (args[i].startsWith("--config="))
            {
                config = args[i].substring("--config=".length());
            }
        }
        final Properties properties = new Properties();
        if (config != null && !config.isEmpty())
        {
            try (Reader reader = Files.newBufferedReader(Path.of(config), StandardCharsets.UTF_8))
            {
                properties.load(reader);
            }
        }
        return new LaunchDefaults(environment, properties, config == null ? "config file" : config);
    }

    /**
     * Refuse a config file that names an option the command does not have: a misspelt key would otherwise
     * be ignored in silence and the process would start with the default the operator meant to change.
     *
     * @throws IllegalArgumentException naming the file and the first unknown key.
     */
    public void checkFileKeys(final CommandLine.Model.CommandSpec command)
    {
        for (final String key : new TreeSet<>(file.stringPropertyNames()))
        {
            final CommandLine.Model.OptionSpec option = command.findOption("--" + key);
            if (option == null || !option.longestName().equals("--" + key) || "config".equals(key))
            {
                throw new IllegalArgumentException(fileName + ": unknown option '" + key + "' (keys are option names " +
                    "without the leading dashes, as --help lists them)");
            }
        }
    }

    /** {@code --admin-port} → {@code BOUNCE_ADMIN_PORT}. */
    public static String environmentName(final String longOption)
    {
        return "BOUNCE_" + stripDashes(longOption).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(final CommandLine.Model.ArgSpec argSpec)
    {
        if (!argSpec.isOption())
        {
            return null;
        }
        final String name = ((CommandLine.Model.OptionSpec)argSpec).longestName();
        if (!name.startsWith("--") || "--config".equals(name))
        {
            return null;
        }
        final String fromEnvironment = environment.get(environmentName(name));
        if (fromEnvironment != null)
        {
            return fromEnvironment;
        }
        return file.getProperty(stripDashes(name));
    }

    private static String stripDashes(final String longOption)
    {
        return longOption.startsWith("--") ? longOption.substring(2) : longOption;
    }
}
