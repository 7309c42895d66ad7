package io.bounce.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class LaunchDefaultsTest
{
    @Command(name = "role")
    static final class Role
    {
        @Option(names = "--config")
        String config;

        @Option(names = "--admin-port", defaultValue = "9080")
        int adminPort;

        @Option(names = "--data-dir", defaultValue = "./data")
        String dataDir;

        @Option(names = "--port", defaultValue = "8080")
        int port;
    }

    private static Role parse(final Map<String, String> env, final String... args) throws Exception
    {
        final Role role = new Role();
        new CommandLine(role).setDefaultValueProvider(LaunchDefaults.forArgs(args, env)).parseArgs(args);
        return role;
    }

    @Test
    void shouldTakeCommandLineThenEnvironmentThenConfigFileThenDefault(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("edge.properties");
        Files.writeString(file, "admin-port=7001\ndata-dir=/from/file\nport=7002\n");
        final Role role = parse(Map.of("BOUNCE_ADMIN_PORT", "6001"), "--config", file.toString(), "--port", "5001");
        assertEquals(5001, role.port, "command line wins");
        assertEquals(6001, role.adminPort, "then the environment");
        assertEquals("/from/file", role.dataDir, "then the config file");

        final Role defaults = parse(Map.of());
        assertEquals(9080, defaults.adminPort);
        assertEquals("./data", defaults.dataDir);

        final Role fromEnvFile = parse(Map.of("BOUNCE_CONFIG", file.toString()));
        assertEquals(7001, fromEnvFile.adminPort, "BOUNCE_CONFIG names the file too");
    }

    @Test
    void shouldRefuseAConfigFileKeyThatNamesNoOption(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("edge.properties");
        Files.writeString(file, "admin-port=7001\nadmin-prot=7002\n");
        final String[] args = {"--config", file.toString()};
        final LaunchDefaults defaults = LaunchDefaults.forArgs(args, Map.of());
        final CommandLine commandLine = new CommandLine(new Role()).setDefaultValueProvider(defaults);
        commandLine.parseArgs(args);
        final IllegalArgumentException refused =
            assertThrows(IllegalArgumentException.class, () -> defaults.checkFileKeys(commandLine.getCommandSpec()));
        assertTrue(refused.getMessage().contains("'admin-prot'"), refused.getMessage());
        assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());

        Files.writeString(file, "admin-port=7001\nport=7002\n");
        final LaunchDefaults good = LaunchDefaults.forArgs(args, Map.of());
        good.checkFileKeys(new CommandLine(new Role()).getCommandSpec());
    }

    @Test
    void shouldNameEnvironmentVariablesAfterOptions()
    {
        assertEquals("BOUNCE_ADMIN_PORT", LaunchDefaults.environmentName("--admin-port"));
        assertEquals("BOUNCE_MAX_HEADER_BYTES", LaunchDefaults.environmentName("--max-header-bytes"));
    }
}
