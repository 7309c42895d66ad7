package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.bounce.control.ControlPlaneHarness.Answer;
import io.bounce.replication.tls.CertificateRecord;
import io.bounce.replication.tls.DomainPolicy;
import io.bounce.replication.tls.TicketKeys;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.testing.Bytes;
import io.bounce.runtime.tls.DevelopmentCa;
import io.bounce.runtime.tls.ServerCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code PUT/GET /api/v1/domains/{domain}/certificate}: what is refused, what is stored, what is never shown. */
class CertificateApiTest
{
    @TempDir
    Path dir;
    private ControlPlaneHarness cp;
    private DevelopmentCa ca;

    @BeforeEach
    void start() throws Exception
    {
        SecretBox.createKeyFile(dir.resolve("secrets.key"));
        // An ACME directory where nothing listens: a test never reaches a real CA.
        cp = new ControlPlaneHarness(dir.resolve("data"), "--secrets-key-file", dir.resolve("secrets.key").toString(),
            "--acme-directory", "https://127.0.0.1:9/directory");
        cp.clock.update(System.currentTimeMillis()); // certificates are checked against the control plane's clock
        ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        assertEquals(201, cp.post("/api/v1/domains", cp.adminKey, "{\"name\":\"go.brand.example\"}").status);
    }

    @AfterEach
    void stop()
    {
        cp.close();
    }

    private Answer put(final String domain, final String chain, final String key) throws Exception
    {
        return cp.call("PUT", "/api/v1/domains/" + domain + "/certificate", cp.adminKey,
            ControlPlaneHarness.JSON.writeValueAsString(Map.of("certificate", chain, "privateKey", key)));
    }

    @Test
    void shouldStoreAValidCertificateAndAnswerItsMetadataOnly() throws Exception
    {
        final DevelopmentCa.Issued ec = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(60));
        final Answer stored = put("go.brand.example", ec.chainPem(), ec.keyPem());
        assertEquals(200, stored.status, stored.toString());
        final String fingerprint = ServerCertificate.parse(ec.chainPem(), ec.keyPem()).fingerprint();
        assertEquals(fingerprint, stored.text("sha256"));
        assertEquals("EC", stored.text("keyType"));
        assertTrue(stored.text("issuer").contains("Bounce Development CA"), stored.toString());
        assertFalse(stored.raw.body().contains("PRIVATE KEY"));

        final DevelopmentCa.Issued rsa = ca.issue(List.of("*.brand.example"), "RSA", Duration.ofDays(60));
        assertEquals(200, put("go.brand.example", rsa.chainPem(), rsa.keyPem()).status, "a wildcard covers it; a second key type");

        final Answer shown = cp.get("/api/v1/domains/go.brand.example/certificate", cp.adminKey);
        assertEquals(200, shown.status);
        assertEquals(2, shown.json.get("certificates").size(), shown.toString());
        assertEquals("EC", shown.json.get("certificates").get(0).get("keyType").asText());
        assertEquals(fingerprint, shown.json.get("certificates").get(0).get("sha256").asText());
        assertEquals("RSA", shown.json.get("certificates").get(1).get("keyType").asText());
        assertFalse(shown.raw.body().contains("PRIVATE KEY"));

        // Neither the store nor the log holds the key in the clear: not its PEM, not its DER bytes.
        final String keyBase64 = ec.keyPem().replaceAll("-----[A-Z ]+-----|\\s", "");
        final byte[] der = Base64.getDecoder().decode(keyBase64);
        io.bounce.runtime.log.LogOutput.flush();
        final String output = cp.output.toString(StandardCharsets.UTF_8);
        assertFalse(output.contains("PRIVATE KEY") || output.contains(keyBase64.substring(0, 40)), output);
        for (final String file : new String[] {"bounce.db", "bounce.db-wal"})
        {
            final Path path = dir.resolve("data").resolve(file);
            if (Files.exists(path))
            {
                final byte[] bytes = Files.readAllBytes(path);
                assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).contains("PRIVATE KEY"), file);
                assertFalse(Bytes.contains(bytes, java.util.Arrays.copyOfRange(der, der.length - 32, der.length)), file + " holds key bytes");
            }
        }
    }

    @Test
    void shouldRefuseWhatCannotServeTheDomain() throws Exception
    {
        final DevelopmentCa.Issued good = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(60));
        final DevelopmentCa.Issued other = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(60));
        final DevelopmentCa.Issued expired = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(-2));
        final DevelopmentCa.Issued wrongName = ca.issue(List.of("elsewhere.example"), "EC", Duration.ofDays(60));

        assertRefused(422, "certificate-key-mismatch", put("go.brand.example", good.chainPem(), other.keyPem()));
        assertRefused(422, "certificate-expired", put("go.brand.example", expired.chainPem(), expired.keyPem()));
        assertRefused(422, "certificate-name-mismatch", put("go.brand.example", wrongName.chainPem(), wrongName.keyPem()));
        assertRefused(422, "certificate-unparseable", put("go.brand.example", "-----BEGIN CERTIFICATE-----\nnot base64\n", good.keyPem()));
        assertRefused(422, "certificate-unparseable", put("go.brand.example", good.chainPem(), "no key here"));
        assertRefused(404, "not-found", put("unknown.example", good.chainPem(), good.keyPem()));
        cp.clock.update(System.currentTimeMillis() - Duration.ofDays(2).toMillis());
        assertRefused(422, "certificate-not-yet-valid", put("go.brand.example", good.chainPem(), good.keyPem()));
        final Answer refusal = put("go.brand.example", good.chainPem(), other.keyPem());
        assertFalse(refusal.raw.body().contains("PRIVATE KEY"), "a refusal never quotes the key");

        final String linkKey = cp.newKey("writer", "[\"links:write\"]", null);
        assertEquals(403, cp.call("PUT", "/api/v1/domains/go.brand.example/certificate", linkKey,
            ControlPlaneHarness.JSON.writeValueAsString(Map.of("certificate", good.chainPem(), "privateKey", good.keyPem()))).status,
            "admins only");
        assertEquals(0, cp.get("/api/v1/domains/go.brand.example/certificate", cp.adminKey).json.get("certificates").size());
    }

    @Test
    void shouldRefuseUploadsWithoutAKeyEncryptionKey() throws Exception
    {
        cp.close();
        cp = new ControlPlaneHarness(dir.resolve("other"));
        cp.clock.update(System.currentTimeMillis());
        assertEquals(201, cp.post("/api/v1/domains", cp.adminKey, "{\"name\":\"go.brand.example\"}").status);
        final DevelopmentCa.Issued good = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(60));
        assertRefused(409, "secrets-key-missing", put("go.brand.example", good.chainPem(), good.keyPem()));
    }

    @Test
    void shouldSetADomainsHttpsPolicyAndRefuseWhatBrowsersWould() throws Exception
    {
        final Answer before = cp.get("/api/v1/domains/go.brand.example", cp.adminKey);
        assertEquals(200, before.status, before.toString());
        assertFalse(before.json.get("httpsOnly").asBoolean());
        assertTrue(before.json.get("hsts").isNull());

        final Answer on = patch("{\"httpsOnly\":true,\"hstsMaxAge\":600}");
        assertEquals(200, on.status, on.toString());
        assertEquals("max-age=600", on.text("hsts"));
        assertRefused(422, "hsts-preload", patch("{\"hstsPreload\":true}")); // needs includeSubDomains and a year
        final Answer preload = patch("{\"hstsPreload\":true,\"hstsIncludeSubDomains\":true,\"hstsMaxAge\":31536000}");
        assertEquals("max-age=31536000; includeSubDomains; preload", preload.text("hsts"), preload.toString());
        assertRefused(422, "hsts-preload", patch("{\"httpsOnly\":false}")); // a preloaded domain stays HTTPS only
        assertRefused(422, "hsts-max-age", patch("{\"hstsMaxAge\":63072001}"));
        assertRefused(400, "json-type", patch("{\"httpsOnly\":\"yes\"}"));
        assertRefused(400, "json-unknown-field", patch("{\"httpsonly\":true}"));
        assertRefused(404, "not-found", cp.call("PATCH", "/api/v1/domains/unknown.example", cp.adminKey, "{\"httpsOnly\":true}"));
        final String linkKey = cp.newKey("writer", "[\"links:write\"]", null);
        assertEquals(403, cp.call("PATCH", "/api/v1/domains/go.brand.example", linkKey, "{\"httpsOnly\":true}").status, "admins only");

        final List<TlsRecord> logged = tlsChanges();
        final DomainPolicy last = (DomainPolicy)logged.get(logged.size() - 1);
        assertEquals("go.brand.example", last.domain());
        assertTrue(last.httpsOnly() && last.hstsPreload(), last.toString());
        assertEquals(preload.text("hsts"), cp.get("/api/v1/domains/go.brand.example", cp.adminKey).text("hsts"));
    }

    @Test
    void shouldAddDomainsByModeAndRemoveOnlyThoseWithoutLinks() throws Exception
    {
        assertRefused(400, "https-mode", cp.post("/api/v1/domains", cp.adminKey, "{\"name\":\"x.brand.example\",\"https\":\"on\"}"));
        final Answer auto = cp.post("/api/v1/domains", cp.adminKey, "{\"name\":\"auto.brand.example\",\"https\":\"auto\"}");
        assertEquals(201, auto.status, auto.toString());
        assertEquals("auto", auto.text("https"));
        assertEquals(0, auto.json.get("dnsRecords").size(), "no --public-addresses or --cname-target to point at");
        final Answer shown = cp.get("/api/v1/domains/auto.brand.example", cp.adminKey);
        assertEquals("auto", shown.text("https"));
        assertTrue(List.of("issuing", "failed").contains(shown.text("status")), shown.toString()); // its CA is not reachable here
        assertEquals("no-certificate", cp.get("/api/v1/domains/go.brand.example", cp.adminKey).text("status"));
        assertRefused(409, "not-acme", cp.post("/api/v1/domains/go.brand.example/renew", cp.adminKey, "{}"));
        assertRefused(404, "not-found", cp.post("/api/v1/domains/none.example/renew", cp.adminKey, "{}"));

        // Removing: not the default, not one with links, not twice; a record tells the edges, and the name may come back.
        final DevelopmentCa.Issued ec = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(60));
        assertEquals(200, put("go.brand.example", ec.chainPem(), ec.keyPem()).status);
        assertEquals(201, cp.post("/api/v1/links", cp.adminKey,
            "{\"url\":\"https://example.com/\",\"alias\":\"spring\",\"domain\":\"go.brand.example\"}").status);
        assertRefused(409, "domain-has-links", cp.call("DELETE", "/api/v1/domains/go.brand.example", cp.adminKey, null));
        assertRefused(409, "default-domain", cp.call("DELETE", "/api/v1/domains/" + cp.get("/api/v1/domains", cp.adminKey).text("default"),
            cp.adminKey, null));
        assertEquals(204, cp.call("DELETE", "/api/v1/links/spring?domain=go.brand.example", cp.adminKey, null).status);
        assertEquals(204, cp.call("DELETE", "/api/v1/domains/go.brand.example", cp.adminKey, null).status);
        final List<TlsRecord> logged = tlsChanges();
        final DomainPolicy removal = (DomainPolicy)logged.get(logged.size() - 1);
        assertTrue(removal.removed() && removal.domain().equals("go.brand.example"), removal.toString());
        assertRefused(404, "not-found", cp.call("DELETE", "/api/v1/domains/go.brand.example", cp.adminKey, null));
        assertRefused(404, "not-found", cp.get("/api/v1/domains/go.brand.example", cp.adminKey));
        assertFalse(cp.get("/api/v1/domains", cp.adminKey).json.get("domains").toString().contains("go.brand.example"));
        final Answer again = cp.post("/api/v1/domains", cp.adminKey, "{\"name\":\"go.brand.example\"}");
        assertEquals(201, again.status, again.toString());
        assertEquals(0, cp.get("/api/v1/domains/go.brand.example", cp.adminKey).json.get("certificates").size(), "it starts afresh");
    }

    @Test
    void shouldHandCertificatesPoliciesAndTicketKeysToTheEdgesThroughTheChangeLog() throws Exception
    {
        // At the first start: the default domain's policy (it names the default certificate) and the first ticket keys
        // (made by the rotation's agent, which may not have run yet).
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (tlsChanges().size() < 2 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        final List<TlsRecord> atStart = tlsChanges();
        assertEquals(2, atStart.size(), atStart.toString());
        assertTrue(((DomainPolicy)atStart.get(0)).defaultCertificate());
        final TicketKeys first = (TicketKeys)atStart.get(1);
        assertEquals(2, first.keys().size(), "one to seal now, one published ahead");
        cp.node.rotateTicketKeys(); // the test moved the clock on after the start: whatever that made due

        final DevelopmentCa.Issued ec = ca.issue(List.of("go.brand.example"), "EC", Duration.ofDays(60));
        assertEquals(200, put("go.brand.example", ec.chainPem(), ec.keyPem()).status);
        final List<TlsRecord> afterUpload = tlsChanges();
        final CertificateRecord certificate = (CertificateRecord)afterUpload.get(afterUpload.size() - 1);
        assertEquals(ServerCertificate.parse(ec.chainPem(), ec.keyPem()).fingerprint(), certificate.fingerprint());
        // Sealed as it travels: it opens with the key-encryption key, bound to its domain and certificate.
        final SecretBox secrets = SecretBox.fromKeyFile(dir.resolve("secrets.key"));
        final byte[] key = secrets.open(certificate.sealedKey(), CertificateRecord.sealingContext("go.brand.example", certificate.fingerprint()));
        assertEquals(ServerCertificate.parse(ec.chainPem(), ec.keyPem()).key(), ServerCertificate.fromPkcs8(certificate.chainPem(), key).key());
        assertThrows(java.io.IOException.class, () -> secrets.open(certificate.sealedKey(),
            CertificateRecord.sealingContext("other.example", certificate.fingerprint())));

        // Not due yet; then, a rotation later, a new key ahead of the others, four kept at most.
        assertFalse(cp.node.rotateTicketKeys());
        for (int i = 1; i <= 3; i++)
        {
            cp.clock.advance(Duration.ofHours(12).toMillis());
            assertTrue(cp.node.rotateTicketKeys());
        }
        final List<TlsRecord> all = tlsChanges();
        final TicketKeys rotated = (TicketKeys)all.get(all.size() - 1);
        assertEquals(4, rotated.keys().size());
        assertTrue(rotated.keys().get(0).id() > rotated.keys().get(1).id(), "newest first");
        assertTrue(rotated.keys().stream().noneMatch(k -> k.id() == first.keys().get(1).id()), "the oldest went");
        assertTrue(cp.metric("bounce_tls_ticket_key_rotations_total") >= 3, cp.metrics());
    }

    private Answer patch(final String body) throws Exception
    {
        return cp.call("PATCH", "/api/v1/domains/go.brand.example", cp.adminKey, body);
    }

    /** The TLS records in the change log, in order. */
    private List<TlsRecord> tlsChanges() throws Exception
    {
        final List<TlsRecord> out = new java.util.ArrayList<>();
        try (java.sql.Connection c = cp.node.database().openReader())
        {
            io.bounce.control.store.Queries.readChanges(c, 1, 10_000, (seq, at, kind, record) ->
            {
                if (kind != io.bounce.replication.log.ReplicationFormat.TYPE_RECORD)
                {
                    final TlsRecord decoded = TlsCodec.decode(kind, record, 0, record.length);
                    assertEquals(seq, decoded.sequence());
                    out.add(decoded);
                }
            });
        }
        return out;
    }

    private static void assertRefused(final int status, final String rule, final Answer answer)
    {
        assertEquals(status, answer.status, answer.toString());
        assertEquals(rule, answer.rule(), answer.toString());
        assertTrue(answer.header("Content-Type").startsWith("application/problem+json"), answer.toString());
    }
}
