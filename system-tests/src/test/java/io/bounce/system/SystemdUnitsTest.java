package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units under {@code ops/systemd/} as systemd reads them: {@code systemd-analyze verify} must
 * accept each without a word (it only warns about a misspelt key, so any output fails the test), and the
 * stop timeout must leave the edge its whole drain and click-shipping deadline from the example config.
 */
class SystemdUnitsTest
{
    private static final Path ROOT = Stack.ROOT;
    private static final Pattern TIMEOUT_STOP = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)$");

    @Test
    void systemdAcceptsEachUnitWithoutWarnings(@TempDir final Path dir) throws Exception
    {
        for (final String unit : new String[] {"bounce-edge.service", "bounce-control-plane.service", "bounce-aggregator.service"})
        {
            // The units expect the checkout in /opt/bounce; point them at this one so ExecStart is checked for real.
            final String text = Files.readString(ROOT.resolve("ops/systemd").resolve(unit), StandardCharsets.UTF_8)
                .replace("/opt/bounce", ROOT.toString());
            final Path copy = dir.resolve(unit);
            Files.writeString(copy, text, StandardCharsets.UTF_8);
            final Path output = dir.resolve(unit + ".out");
            final Process verify = new ProcessBuilder(systemdAnalyze(), "verify", copy.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
            final String said = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, verify.exitValue(), unit + ": " + said);
            assertEquals("", said.strip(), unit + " draws warnings from systemd-analyze verify");
            assertTrue(text.contains("SuccessExitStatus=143"), unit + ": a SIGTERM stop (exit 143) is a success");
            assertTrue(text.contains("LimitNOFILE="), unit + " raises the descriptor limit");
        }
    }

    @Test
    void systemdAcceptsTheGeoipUpdateServiceAndItsTimer(@TempDir final Path dir) throws Exception
    {
        for (final String unit : new String[] {"bounce-geoip-update.service", "bounce-geoip-update.timer"})
        {
            Files.writeString(dir.resolve(unit), Files.readString(ROOT.resolve("ops/systemd").resolve(unit), StandardCharsets.UTF_8)
                .replace("/opt/bounce", ROOT.toString()), StandardCharsets.UTF_8);
        }
        for (final String unit : new String[] {"bounce-geoip-update.service", "bounce-geoip-update.timer"})
        {
            final Path output = dir.resolve(unit + ".out");
            final Process verify = new ProcessBuilder(systemdAnalyze(), "verify", dir.resolve(unit).toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
            final String said = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, verify.exitValue(), unit + ": " + said);
            assertEquals("", said.strip(), unit + " draws warnings from systemd-analyze verify");
        }
    }

    @Test
    void edgeStopTimeoutCoversItsDrainAndShipDeadlines() throws IOException
    {
        final Properties edge = new Properties();
        try (Reader reader = Files.newBufferedReader(ROOT.resolve("ops/examples/pop/edge.properties"), StandardCharsets.UTF_8))
        {
            edge.load(reader);
        }
        final long drainMs = Long.parseLong(edge.getProperty("drain-timeout-ms"));
        final long shipMs = Long.parseLong(edge.getProperty("click-ship-deadline-ms"));
        final Matcher timeout = TIMEOUT_STOP.matcher(Files.readString(ROOT.resolve("ops/systemd/bounce-edge.service")));
        assertTrue(timeout.find(), "bounce-edge.service sets TimeoutStopSec");
        final long stopMs = Long.parseLong(timeout.group(1)) * 1000;
        assertTrue(stopMs >= drainMs + shipMs + 5_000,
            "TimeoutStopSec " + stopMs + " ms leaves no room for drain " + drainMs + " ms + ship " + shipMs + " ms + closing");
    }

    /** {@code systemd-analyze}, installed from Debian's systemd package where it is missing. */
    private static String systemdAnalyze() throws Exception
    {
        Stack.ensureTool("systemd-analyze", "systemd");
        return "systemd-analyze";
    }
}
