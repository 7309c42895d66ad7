package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.bounce.aggregator.AggregatorConfig;
import io.bounce.runtime.launch.ConfigurationReference;
import io.bounce.control.ControlPlaneConfig;
import io.bounce.ops.stack.StackConfig;
import io.bounce.edge.EdgeConfig;
import io.bounce.runtime.launch.RoleLauncher;
import io.bounce.runtime.tls.DevelopmentCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code docs/configuration.md} is generated from the configuration classes; this fails when it is stale and,
 * with {@code -Dbounce.updateDocs=true}, rewrites it. It also loads each example config file under
 * {@code ops/examples/pop/} through the role's real parser, so an example cannot name an option that is gone.
 */
class ConfigurationReferenceTest
{
    private static final Path ROOT = Stack.ROOT;
    private static final Path DOC = ROOT.resolve("docs/configuration.md");

    @Test
    void configurationReferenceMatchesTheConfigurationClasses() throws IOException
    {
        final String rendered = ConfigurationReference.render(List.of(new EdgeConfig(), new ControlPlaneConfig(), new AggregatorConfig(), new StackConfig()));
        if (Boolean.getBoolean("bounce.updateDocs"))
        {
            Files.createDirectories(DOC.getParent());
            Files.writeString(DOC, rendered, StandardCharsets.UTF_8);
        }
        final String committed = Files.exists(DOC) ? Files.readString(DOC, StandardCharsets.UTF_8) : "";
        assertEquals(rendered, committed, "docs/configuration.md is stale; regenerate it with the command at its top:\n" +
            "mvn -q -B -pl system-tests -am test -Dtest=ConfigurationReferenceTest -Dsurefire.failIfNoSpecifiedTests=false " +
            "-Dbounce.updateDocs=true");
    }

    @Test
    void examplePopConfigFilesAreAcceptedByTheirRoles(@TempDir final Path dir) throws IOException
    {
        final Path token = dir.resolve("replication.token");
        Files.writeString(token, "an-example-token-of-enough-length\n");
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        DevelopmentCa.write(dir, "default", ca.issue(List.of("bnc.example"), "EC", Duration.ofDays(30)));
        final Path domains = Files.createDirectories(dir.resolve("domains"));
        final Path secrets = dir.resolve("secrets.key");
        io.bounce.runtime.files.SecretBox.createKeyFile(secrets);
        final EdgeConfig edge = new EdgeConfig();
        assertAccepted(new CommandLine(edge), edge::conclude, "edge.properties",
            "--data-dir", dir.resolve("edge").toString(), "--replication-token-file", token.toString(),
            "--tls-cert", dir.resolve("default.pem").toString(), "--tls-key", dir.resolve("default.key").toString(),
            "--tls-dir", domains.toString(), "--secrets-key-file", secrets.toString());
        assertEquals(80, edge.port(), "the file's values are the ones the edge runs with");
        assertEquals(443, edge.https().port());
        assertTrue(edge.https().secrets() != null, "the example opens the change log's certificates");
        assertTrue(edge.proxyProtocol());
        assertEquals("fra1-a", edge.edgeId());
        final ControlPlaneConfig controlPlane = new ControlPlaneConfig();
        assertAccepted(new CommandLine(controlPlane), controlPlane::conclude, "control-plane.properties",
            "--data-dir", dir.resolve("control-plane").toString());
        assertEquals("0.0.0.0", controlPlane.host());
        assertEquals("bnc.example", controlPlane.defaultDomain());
        final AggregatorConfig aggregator = new AggregatorConfig();
        assertAccepted(new CommandLine(aggregator), aggregator::conclude, "aggregator.properties",
            "--data-dir", dir.resolve("aggregator").toString());
        assertEquals(7071, aggregator.port());
    }

    /** Parse an example file as the role would at start (the paths that only exist on a PoP server overridden). */
    private static void assertAccepted(final CommandLine commandLine, final Runnable conclude, final String file, final String... overrides)
    {
        final Path config = ROOT.resolve("ops/examples/pop").resolve(file);
        assertTrue(Files.isRegularFile(config), config + " is missing");
        final String[] args = new String[overrides.length + 2];
        args[0] = "--config";
        args[1] = config.toString();
        System.arraycopy(overrides, 0, args, 2, overrides.length);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Integer exit = RoleLauncher.parse(commandLine, args, Map.of(), new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8), conclude);
        assertEquals(null, exit, file + " refused: " + err.toString(StandardCharsets.UTF_8));
    }
}
