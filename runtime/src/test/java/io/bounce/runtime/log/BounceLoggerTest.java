package io.bounce.runtime.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BounceLoggerTest
{
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String lines()
    {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonPutsEveryKeyValueInTheObjectOneLinePerEvent() throws Exception
    {
        final BounceLogger log = new BounceLogger("io.bounce.audit", new LogSettings("json", null, null), out);
        log.atInfo().setMessage("link.takedown").addKeyValue("keyId", 1L).addKeyValue("reason", "phish \"x\"\nline two").log();
        log.warn("plain {} message", "formatted", new IllegalStateException("boom"));
        final String[] lines = lines().split("\n");
        assertEquals(2, lines.length, lines());
        final JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertEquals("INFO", first.get("level").asText());
        assertEquals("io.bounce.audit", first.get("logger").asText());
        assertEquals("link.takedown", first.get("message").asText());
        assertEquals(1, first.get("keyId").asInt());
        assertEquals("phish \"x\"\nline two", first.get("reason").asText(), "a value with quotes and a newline stays in its line");
        final JsonNode second = new ObjectMapper().readTree(lines[1]);
        assertEquals("plain formatted message", second.get("message").asText());
        assertTrue(second.get("error").asText().contains("IllegalStateException: boom"));
    }

    @Test
    void textIsOneLineWithKeyValuesAfterTheMessage()
    {
        final BounceLogger log = new BounceLogger("io.bounce.access", new LogSettings("text", null, null), out);
        log.atInfo().setMessage("api").addKeyValue("method", "GET").addKeyValue("status", 200).log();
        assertTrue(lines().matches("\\d{4}-\\d\\d-\\d\\dT[^ ]+ INFO io.bounce.access - api method=GET status=200\n"), lines());
    }

    @Test
    void levelsComeFromTheLongestPrefixAndOffSilencesALogger()
    {
        final LogSettings settings = new LogSettings(null, "warn", "io.bounce=debug, io.bounce.access=off ,io.bounce.runtime.http=error");
        assertEquals(org.slf4j.event.Level.WARN.toInt(), settings.levelOf("org.other"));
        assertEquals(org.slf4j.event.Level.DEBUG.toInt(), settings.levelOf("io.bounce.control.X"));
        assertEquals(LogSettings.OFF, settings.levelOf("io.bounce.access"));
        assertEquals(org.slf4j.event.Level.ERROR.toInt(), settings.levelOf("io.bounce.runtime.http.Problem"));
        assertEquals(org.slf4j.event.Level.WARN.toInt(), settings.levelOf("net.openhft.chronicle"), "Chronicle stays at warn");
        final BounceLogger access = new BounceLogger("io.bounce.access", settings, out);
        access.atInfo().setMessage("api").log();
        access.error("even errors");
        assertEquals("", lines());
        assertTrue(new BounceLogger("io.bounce.edge", settings, out).isDebugEnabled(), "io.bounce=debug");
    }

    @Test
    void settingsComeFromTheEnvironment()
    {
        final LogSettings settings = LogSettings.fromEnvironment(Map.of("BOUNCE_LOG_FORMAT", "JSON", "BOUNCE_LOG_LEVEL", "error"));
        assertTrue(settings.json());
        assertEquals(org.slf4j.event.Level.ERROR.toInt(), settings.levelOf("io.bounce.x"));
    }
}
