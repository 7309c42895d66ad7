package io.bounce.runtime.launch;

import picocli.CommandLine.Option;

/**
 * The {@code --config FILE} option every role has, mixed into each role's configuration. Only
 * declared here: {@link LaunchDefaults} reads the file before picocli parses the rest, since the
 * file supplies the other options' defaults.
 */
public final class ConfigFileOption
{
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of option=value defaults.")
    String configFile;
}
