package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.replication.tls.CertificateRecord;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.testing.Bytes;
import io.bounce.runtime.testing.Pebble;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Branded domains get their certificates by ACME from a real CA (Debian's Pebble, with pebble-challtestsrv as its
 * DNS), with challenges published through the change log and answered by whichever edge the CA reaches: HTTP-01 by
 * edge b, which was down at the first attempt (an injected failure, retried to success), and TLS-ALPN-01 by edge a.
 * A domain whose DNS does not point at the fleet waits in pending-dns without costing the CA an order; a forced
 * renewal swaps the served serial with no failed request; a removed domain stops being served over HTTPS; and no
 * private key (the account's or a certificate's) is in the clear in the store or an edge's data dir.
 */
class AcmeSystemTest
{
    @TempDir
    Path dir;

    @Test
    void domainsGetAndRenewCertificatesFromARealAcmeServer() throws Exception
    {
        final int[] ports = Stack.freePorts(5);
        final int httpA = ports[0];
        final int httpsA = ports[1];
        final int httpB = ports[2];
        final int httpsB = ports[3];
        final int apiPort = ports[4];
        final Path secrets = dir.resolve("secrets.key");
        SecretBox.createKeyFile(secrets);
        ControlPlaneNode cp = null;
        EdgeNode a = null;
        EdgeNode b = null;
        // HTTP-01 reaches edge b's HTTP port; TLS-ALPN-01 edge a's HTTPS port.
        try (Pebble pebble = Pebble.start(dir.resolve("pebble"), httpB, httpsA, 0))
        {
            cp = controlPlane(pebble, secrets, apiPort, "http-01");
            final String[] https = {"--https-port", Integer.toString(httpsA), "--port", Integer.toString(httpA),
                "--secrets-key-file", secrets.toString()};
            a = Stack.edge(dir.resolve("a"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE, https);
            final X509Certificate pebbleRoots = pebble.root();

            // DNS first: a domain that does not resolve to the fleet waits, with what to set, and no order is placed.
            pebble.setA("late.test", "192.0.2.7");
            final JsonNode added = Stack.api(cp, "POST", "/api/v1/domains", "{\"name\":\"late.test\",\"https\":\"auto\"}");
            assertEquals("auto", added.get("https").asText());
            assertEquals("late.test. A 127.0.0.1", added.get("dnsRecords").get(0).asText());
            final ControlPlaneNode centre = cp;
            Stack.await("late.test is pending-dns", 20_000, () -> "pending-dns".equals(status(centre, "late.test")));
            assertTrue(domain(cp, "late.test").get("statusDetail").asText().contains("192.0.2.7"));

            // HTTP-01 with edge b down: Pebble cannot connect, the order fails with its reason, and is retried.
            // No link on it yet: the edges answer the challenge for a domain they hold nothing of.
            Stack.api(cp, "POST", "/api/v1/domains", "{\"name\":\"one.test\",\"https\":\"auto\"}");
            Stack.await("one.test's first order fails", 30_000, () -> "failed".equals(status(centre, "one.test")));
            final String reason = domain(cp, "one.test").get("statusDetail").asText();
            assertTrue(reason.contains("http-01") && reason.contains("connection"), reason);

            // Edge b comes up on the port Pebble validates: it gets the retry's challenge through the change log and answers it.
            b = Stack.edge(dir.resolve("b"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--port", Integer.toString(httpB), "--https-port", Integer.toString(httpsB), "--secrets-key-file", secrets.toString());
            Stack.await("one.test is active", 60_000, () -> "active".equals(status(centre, "one.test")));
            assertTrue(Stack.sample(Stack.metrics(b), "bounce_edge_acme_challenges_answered_total") >= 1, "edge b answered the CA");
            assertEquals(0, Stack.sample(Stack.metrics(a), "bounce_edge_acme_challenges_answered_total"), "the CA never reached a");
            final String firstSerial = domain(cp, "one.test").get("certificates").get(0).get("serial").asText();
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/landing\",\"alias\":\"spring\",\"domain\":\"one.test\"}");
            // Both edges serve it, verified against Pebble's root: a redirect over HTTPS.
            for (final int port : new int[] {httpsA, httpsB})
            {
                Stack.await("the edge on " + port + " serves one.test's certificate", 20_000,
                    () -> firstSerial.equals(serialOrNull(pebbleRoots, port, "one.test")));
                final String answer = exchange(pebbleRoots, port, "one.test", "GET /spring HTTP/1.1\r\nHost: one.test\r\nConnection: close\r\n\r\n");
                assertTrue(answer.startsWith("HTTP/1.1 302") && answer.contains("Location: https://example.com/landing"), answer);
            }

            // TLS-ALPN-01: the same control plane started again to validate on the HTTPS port (edge a's); same account.
            cp.close();
            cp = controlPlane(pebble, secrets, apiPort, "tls-alpn-01");
            final ControlPlaneNode second = cp;
            Stack.api(cp, "POST", "/api/v1/domains", "{\"name\":\"two.test\",\"https\":\"auto\"}");
            Stack.await("two.test is active", 60_000, () -> "active".equals(status(second, "two.test")));
            Stack.await("edge a serves two.test", 20_000, () -> serialOrNull(pebbleRoots, httpsA, "two.test") != null);

            // A forced renewal: a new serial, served with no failed request on the way.
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicLong served = new AtomicLong();
            final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            final Thread client = new Thread(() ->
            {
                while (running.get())
                {
                    try
                    {
                        final String answer = exchange(pebbleRoots, httpsA, "one.test",
                            "GET /spring HTTP/1.1\r\nHost: one.test\r\nConnection: close\r\n\r\n");
                        if (!answer.startsWith("HTTP/1.1 302"))
                        {
                            failures.add(answer);
                        }
                        served.incrementAndGet();
                    }
                    catch (final IOException ex)
                    {
                        failures.add(ex.toString());
                    }
                }
            });
            client.start();
            Stack.api(cp, "POST", "/api/v1/domains/one.test/renew", "{}");
            Stack.await("one.test is served with a new serial", 60_000, () ->
            {
                final String serial = serialOrNull(pebbleRoots, httpsA, "one.test");
                return serial != null && !serial.equals(firstSerial);
            });
            Thread.sleep(300);
            running.set(false);
            client.join();
            assertEquals(List.of(), failures, "no request failed across the renewal");
            assertTrue(served.get() > 10, "requests kept coming: " + served.get());
            assertEquals("active", status(cp, "one.test"));
            assertNotEquals(firstSerial, domain(cp, "one.test").get("certificates").get(0).get("serial").asText());

            // Removed: every edge stops serving it over HTTPS.
            Stack.api(cp, "DELETE", "/api/v1/domains/two.test", null);
            for (final int port : new int[] {httpsA, httpsB})
            {
                Stack.await("the edge on " + port + " no longer serves two.test", 20_000,
                    () -> serialOrNull(pebbleRoots, port, "two.test") == null);
            }
            assertNull(serialOrNull(pebbleRoots, httpsA, "two.test"));

            // No private key in the clear: open each sealed key with the fleet's key, then look for its bytes everywhere.
            final SecretBox box = SecretBox.fromKeyFile(secrets);
            final List<byte[]> keys = new ArrayList<>();
            try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + cp.database().file());
                Statement statement = db.createStatement())
            {
                try (ResultSet rs = statement.executeQuery("SELECT domain, fingerprint, sealed_key FROM certificates WHERE domain = 'one.test'"))
                {
                    assertTrue(rs.next());
                    keys.add(box.open(rs.getBytes(3), CertificateRecord.sealingContext(rs.getString(1), rs.getString(2))));
                }
                try (ResultSet rs = statement.executeQuery("SELECT directory, sealed_key FROM acme_accounts"))
                {
                    assertTrue(rs.next(), "one account");
                    keys.add(box.open(rs.getBytes(2), "bounce-acme-account-key:" + rs.getString(1)));
                    assertFalse(rs.next(), "the account was made once and used again after the restart");
                }
            }
            for (final Path root : List.of(dir.resolve("cp"), dir.resolve("a"), dir.resolve("b")))
            {
                try (Stream<Path> files = Files.walk(root))
                {
                    for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
                    {
                        final byte[] bytes = Files.readAllBytes(file);
                        assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).contains("PRIVATE KEY"), file.toString());
                        for (final byte[] key : keys)
                        {
                            assertFalse(Bytes.contains(bytes, key), "a private key in the clear in " + file);
                        }
                    }
                }
            }
        }
        finally
        {
            CloseHelper.quietCloseAll(b, a, cp);
        }
    }

    /**
     * A CA that requires external account binding gets a bound account, and the orders-per-hour ceiling holds: with 2 an
     * hour, the third domain waits its turn (the hour's window), whatever else is due.
     */
    @Test
    void bindsTheAccountAndKeepsToTheOrdersPerHourCeiling() throws Exception
    {
        final int[] ports = Stack.freePorts(3);
        final Path secrets = dir.resolve("secrets.key");
        SecretBox.createKeyFile(secrets);
        final Path hmac = dir.resolve("eab.key");
        final String hmacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
        Files.writeString(hmac, hmacKey + "\n");
        Files.setPosixFilePermissions(hmac, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (Pebble pebble = Pebble.start(dir.resolve("pebble"), ports[0], ports[1], 0, "kid-bounce", hmacKey);
            ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--port", Integer.toString(ports[2]),
                "--secrets-key-file", secrets.toString(), "--acme-directory", pebble.directory(), "--acme-ca-file",
                pebble.caFile().toString(), "--acme-eab-kid", "kid-bounce", "--acme-eab-hmac-key-file", hmac.toString(),
                "--acme-challenge-wait-ms", "200", "--acme-orders-per-hour", "2", "--acme-concurrency", "1");
            EdgeNode edge = Stack.edge(dir.resolve("e"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--port", Integer.toString(ports[0]), "--https-port", Integer.toString(ports[1]), "--secrets-key-file", secrets.toString()))
        {
            for (final String name : List.of("a.test", "b.test", "c.test"))
            {
                Stack.api(cp, "POST", "/api/v1/domains", "{\"name\":\"" + name + "\",\"https\":\"auto\"}");
            }
            Stack.await("two domains are active", 60_000,
                () -> List.of("a.test", "b.test", "c.test").stream().filter(d -> "active".equals(status(cp, d))).count() == 2);
            Thread.sleep(2_000); // a few more looks at the store: the third still may not start
            final List<JsonNode> waiting = new ArrayList<>();
            for (final String name : List.of("a.test", "b.test", "c.test"))
            {
                final JsonNode domain = domain(cp, name);
                if (!"active".equals(domain.get("status").asText()))
                {
                    waiting.add(domain);
                }
            }
            assertEquals(1, waiting.size(), waiting.toString());
            assertEquals("issuing", waiting.get(0).get("status").asText(), "due, and waiting its turn");
            assertEquals(0, waiting.get(0).get("certificates").size());
            final String metrics = Stack.call("GET", "http://127.0.0.1:" + cp.adminAddress().getPort() + "/metrics", null, null).body();
            assertEquals(1, Stack.sample(metrics, "bounce_acme_orders_waiting"), metrics);
            assertEquals(2, Stack.sample(metrics, "bounce_acme_certificates_issued_total"));
        }
    }

    private ControlPlaneNode controlPlane(final Pebble pebble, final Path secrets, final int port, final String challenge) throws Exception
    {
        return Stack.controlPlane(dir.resolve("cp"), "--port", Integer.toString(port), "--secrets-key-file", secrets.toString(),
            "--acme-directory", pebble.directory(), "--acme-ca-file", pebble.caFile().toString(), "--acme-email", "ops@bounce.test",
            "--acme-challenge", challenge, "--acme-challenge-wait-ms", "300", "--acme-retry-min-ms", "500", "--acme-retry-max-ms", "2000",
            "--public-addresses", "127.0.0.1", "--dns-server", pebble.dnsServer());
    }

    private static JsonNode domain(final ControlPlaneNode cp, final String name) throws Exception
    {
        return Stack.api(cp, "GET", "/api/v1/domains/" + name, null);
    }

    private static String status(final ControlPlaneNode cp, final String name)
    {
        try
        {
            return domain(cp, name).get("status").asText();
        }
        catch (final Exception ex)
        {
            return ex.toString();
        }
    }

    /** A new context trusting only {@code root}, for one connection (a shared one would resume its last session). */
    private static SSLContext fresh(final X509Certificate root) throws IOException
    {
        return ClientTrust.trusting(List.of(root));
    }

    /** @return the serial of the certificate served for {@code host}, verified against the root, or null if none is. */
    private static String serialOrNull(final X509Certificate root, final int port, final String host)
    {
        try
        {
            return Stack.servedSerialOrNull(fresh(root), port, host);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static String exchange(final X509Certificate root, final int port, final String host, final String request) throws IOException
    {
        try (SSLSocket socket = Stack.tlsConnect(fresh(root), port, host))
        {
            return Stack.exchange(socket, request);
        }
    }
}
