package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every API call leaves an access-log line and every change an audit line naming who made it; no secret is ever logged. */
class ApiLogTest
{
    @TempDir
    Path dir;

    @Test
    void everyCallIsInTheAccessLogAndEveryChangeInTheAuditLogWithoutASecret() throws Exception
    {
        final PrintStream stderr = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        final String adminKey;
        final String minted;
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            adminKey = cp.adminKey;
            final String code = cp.post("/api/v1/links", adminKey, "{\"url\":\"https://a.example/reset?token=s3cr3t-in-a-url\"}").text("code");
            cp.call("PATCH", "/api/v1/links/" + code, adminKey, "{\"redirect\":301}");
            cp.post("/api/v1/links/" + code + "/takedown", adminKey, "{\"reason\":\"phishing\"}");
            cp.call("DELETE", "/api/v1/links/" + code, adminKey, null);
            cp.post("/api/v1/links/bulk", adminKey, "{\"links\":[{\"url\":\"https://a.example/1\",\"alias\":\"one\"},{\"url\":\"ftp://x\"}]}");
            cp.post("/api/v1/domains", adminKey, "{\"name\":\"go.brand.test\"}");
            final ControlPlaneHarness.Answer mint = cp.post("/api/v1/keys", adminKey, "{\"name\":\"ci\",\"scopes\":[\"links:write\"]}");
            minted = mint.text("key");
            cp.call("PATCH", "/api/v1/keys/" + mint.text("id"), adminKey, "{\"domains\":[\"go.brand.test\"]}");
            cp.call("DELETE", "/api/v1/keys/" + mint.text("id"), adminKey, null);
            cp.get("/api/v1/links?cursor=secret-looking-query", "bnc_not-a-real-key");
        }
        finally
        {
            io.bounce.runtime.log.LogOutput.flush(); // lines are written by a background thread
            System.setErr(stderr);
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        final List<String> lines = Arrays.asList(log.split("\n"));
        final long access = lines.stream().filter(l -> l.contains(" io.bounce.access - api ")).count();
        assertEquals(10, access, "one access line per call:\n" + log);
        assertTrue(log.contains("method=PATCH route=/api/v1/links/{code} status=200 keyId=1 "), log);
        assertTrue(log.contains("method=GET route=/api/v1/links status=401 keyId=- "), log);
        for (final String action : new String[] {"key.create", "link.create", "link.update", "link.takedown", "link.delete",
            "link.bulk-create", "domain.add", "key.grant", "key.revoke"})
        {
            assertTrue(lines.stream().anyMatch(l -> l.contains(" io.bounce.audit - " + action + " ") && l.contains("keyId=")),
                action + " is audited:\n" + log);
        }
        assertTrue(log.contains("action=link.takedown keyId=1 keyName=admin"), log);
        assertTrue(log.contains("created=1 failed=1 links=bnc.test/one"), log);
        assertFalse(log.contains(adminKey), "the admin key is never logged");
        assertFalse(log.contains(minted), "a new key's secret is never logged");
        assertFalse(log.contains("secret-looking-query"), "queries are never logged");
        assertFalse(log.contains("s3cr3t-in-a-url"), "nor a destination's query, which may carry a token");
        assertTrue(log.contains("destinationHost=a.example"), log);
        assertFalse(log.contains("bnc_not-a-real-key"), "nor a key that failed");
    }
}
