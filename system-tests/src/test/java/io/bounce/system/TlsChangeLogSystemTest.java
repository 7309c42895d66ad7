package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLSocket;

import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.testing.Bytes;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.tls.DevelopmentCa;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates, HTTPS policies and session-ticket keys travel from the control plane to every edge through
 * the change log, as links do: an uploaded certificate is served by SNI from the next handshake on edges that
 * have no certificate of their own, a renewal replaces it, an HTTPS-only domain answers plain HTTP with a 308
 * and HTTPS with HSTS, a new edge gets all of it from the snapshot, a ticket from one edge resumes on another,
 * an edge restarted with the centre gone serves it all from its data dir, and that data dir holds no key in
 * the clear.
 */
class TlsChangeLogSystemTest
{
    private static final String DOMAIN = "go.brand.example";

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() throws Exception
    {
        Stack.ensureTool("openssl", "openssl");
        Stack.ensureTool("curl", "curl");
    }

    @Test
    void certificatesPoliciesAndTicketKeysReachEveryEdgeThroughTheChangeLog() throws Exception
    {
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        final Path secrets = dir.resolve("secrets.key");
        SecretBox.createKeyFile(secrets);
        final String[] https = {"--https-port", "0", "--secrets-key-file", secrets.toString()};
        ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--secrets-key-file", secrets.toString());
        EdgeNode a = null;
        EdgeNode b = null;
        try
        {
            Stack.api(cp, "POST", "/api/v1/domains", "{\"name\":\"" + DOMAIN + "\"}");
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/landing\",\"alias\":\"spring\",\"domain\":\"" + DOMAIN + "\"}");
            final DevelopmentCa.Issued first = ca.issue(List.of(DOMAIN), "EC", Duration.ofDays(60));
            final String firstSerial = upload(cp, first);

            // Edge a has no certificate of its own: the HTTPS port listens because it can open what the log brings.
            a = Stack.edge(dir.resolve("a"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE, https);
            final int portA = a.httpsAddress().getPort();
            Stack.await("edge a serves the uploaded certificate", 20_000, () -> firstSerial.equals(serialOrNull(ca, portA)));
            assertTrue(answer(ca, portA, "GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 302"));

            // Renewed: the next handshake gets the new one; no restart.
            final DevelopmentCa.Issued renewed = ca.issue(List.of(DOMAIN), "EC", Duration.ofDays(90));
            final String renewedSerial = upload(cp, renewed);
            Stack.await("edge a serves the renewed certificate", 20_000, () -> renewedSerial.equals(serialOrNull(ca, portA)));

            // HTTPS only: plain HTTP gets a 308 to the same path and query on https://, HTTPS gets HSTS; other domains as before.
            Stack.api(cp, "PATCH", "/api/v1/domains/" + DOMAIN, "{\"httpsOnly\":true,\"hstsMaxAge\":600}");
            final EdgeNode edgeA = a;
            Stack.await("edge a sends plain HTTP to HTTPS", 20_000,
                () -> plain(edgeA, "GET /spring?utm=x HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n")
                    .startsWith("HTTP/1.1 308"));
            final String upgrade = plain(a, "GET /spring?utm=x HTTP/1.1\r\nHost: " + DOMAIN.toUpperCase() + ":80\r\nConnection: close\r\n\r\n");
            assertTrue(upgrade.contains("\r\nLocation: https://" + DOMAIN + ":" + portA + "/spring?utm=x\r\n"), upgrade);
            assertFalse(upgrade.contains("Strict-Transport-Security"), "never over plain HTTP: " + upgrade);
            final String secured = answer(ca, portA, "GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n");
            assertTrue(secured.startsWith("HTTP/1.1 302") && secured.contains("\r\nStrict-Transport-Security: max-age=600\r\n"), secured);
            final String missing = answer(ca, portA, "GET /nope HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n");
            assertTrue(missing.startsWith("HTTP/1.1 404") && missing.contains("Strict-Transport-Security: max-age=600"), missing);
            assertTrue(curl(ca, portA, "--http2").matches("(?s)HTTP/2 302.*strict-transport-security: max-age=600.*"),
                "HTTP/2 answers carry it too");
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/plain\",\"alias\":\"plain\"}");
            Stack.await("edge a has the default domain's link", 20_000, () -> edgeA.replica().get("localhost", "plain") != null);
            assertEquals("302 https://example.com/plain", Stack.redirect(a, "plain"), "a domain that is not HTTPS only: one hop, as before");
            assertTrue(Stack.sample(Stack.metrics(a), "bounce_edge_https_upgrades_total") >= 2);

            // Edge b starts afresh: certificate, policy and ticket keys come in the snapshot. A ticket from a resumes on b.
            b = Stack.edge(dir.resolve("b"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE, https);
            final int portB = b.httpsAddress().getPort();
            Stack.await("edge b serves the certificate from the snapshot", 20_000, () -> renewedSerial.equals(serialOrNull(ca, portB)));
            final EdgeNode edgeB = b;
            Stack.await("edge b sends plain HTTP to HTTPS", 20_000,
                () -> plain(edgeB, "GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 308"));
            final Path session = dir.resolve("session.pem");
            assertTrue(openssl(ca, portA, "-sess_out", session).contains("New, TLSv1.3"));
            assertTrue(openssl(ca, portB, "-sess_in", session).contains("Reused, TLSv1.3"),
                "a ticket sealed by edge a opens on edge b: the fleet's keys came through the log");

            // An edge without the fleet's key keeps the sealed records, serves its own certificate, and counts each
            // record it cannot open once (the certificate and the ticket keys), however often it publishes.
            DevelopmentCa.write(dir.resolve("own"), "own", ca.issue(List.of("own.example"), "EC", Duration.ofDays(30)));
            try (EdgeNode keyless = Stack.edge(dir.resolve("c"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--https-port", "0", "--tls-cert", dir.resolve("own/own.pem").toString(), "--tls-key", dir.resolve("own/own.key").toString()))
            {
                Stack.await("edge c has the domain's policy", 20_000, () -> plain(keyless,
                    "GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 308"));
                Stack.api(cp, "PATCH", "/api/v1/domains/" + DOMAIN, "{\"hstsMaxAge\":900}"); // a TLS change: another publish
                final ControlPlaneNode centre = cp;
                Stack.await("edge c has the later policy", 20_000, () -> keyless.replica().appliedSequence() == centre.changeLogHead());
                assertEquals(2, Stack.sample(Stack.metrics(keyless), "bounce_edge_tls_records_unusable_total{reason=\"no_secrets_key\"}"));
                assertTrue(Files.exists(dir.resolve("c/tls/cert." + DOMAIN + ".ec.rec")));
            }

            // Nothing in an edge's data dir holds a private key in the clear: not the one it serves now (whose record
            // it holds), nor the one before.
            assertTrue(Files.exists(dir.resolve("a/tls/cert." + DOMAIN + ".ec.rec")), "the edge keeps the certificate's record");
            for (final Path edgeDir : List.of(dir.resolve("a"), dir.resolve("b"), dir.resolve("c")))
            {
                try (Stream<Path> files = Files.walk(edgeDir))
                {
                    for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
                    {
                        final byte[] bytes = Files.readAllBytes(file);
                        assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).contains("PRIVATE KEY"), file.toString());
                        for (final DevelopmentCa.Issued issued : List.of(first, renewed))
                        {
                            final byte[] der = Base64.getDecoder().decode(issued.keyPem().replaceAll("-----[A-Z ]+-----|\\s", ""));
                            assertFalse(Bytes.contains(bytes, java.util.Arrays.copyOfRange(der, der.length - 32, der.length)),
                                file + " holds key bytes");
                        }
                    }
                }
            }

            // The centre goes away; edge a restarts and serves the certificate and the policy from its own data dir.
            final long head = cp.changeLogHead();
            Stack.await("edge a has every change", 20_000, () -> edgeA.replica().appliedSequence() == head);
            cp.close();
            cp = null;
            a.close();
            a = Stack.edge(dir.resolve("a"), "http://127.0.0.1:9", "unused-token-of-sixteen", SystemEpochClock.INSTANCE, https);
            final int restarted = a.httpsAddress().getPort();
            assertEquals(renewedSerial, serialOrNull(ca, restarted));
            assertTrue(plain(a, "GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 308"));
            assertTrue(answer(ca, restarted, "GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n")
                .contains("Strict-Transport-Security: max-age=900"), "the policy as last changed, from the edge's own disk");
        }
        finally
        {
            CloseHelper.quietCloseAll(a, b, cp);
        }
    }

    /** Upload a certificate; @return its serial as the API shows it. */
    private static String upload(final ControlPlaneNode cp, final DevelopmentCa.Issued issued) throws Exception
    {
        return Stack.api(cp, "PUT", "/api/v1/domains/" + DOMAIN + "/certificate",
            Stack.JSON.writeValueAsString(Map.of("certificate", issued.chainPem(), "privateKey", issued.keyPem()))).get("serial").asText();
    }

    /** @return the serial of the certificate the port serves for {@link #DOMAIN}, or null if the handshake fails. */
    private static String serialOrNull(final DevelopmentCa ca, final int port)
    {
        try
        {
            return Stack.servedSerialOrNull(ClientTrust.trusting(ca.caFile()), port, DOMAIN);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /** One request over HTTPS, naming {@link #DOMAIN} and trusting the CA (a fresh context: nothing is resumed); @return the whole answer. */
    private static String answer(final DevelopmentCa ca, final int port, final String request) throws IOException
    {
        try (SSLSocket socket = Stack.tlsConnect(ClientTrust.trusting(ca.caFile()), port, DOMAIN))
        {
            return Stack.exchange(socket, request);
        }
    }

    /** One request over plain HTTP; @return the whole answer ("" if it could not be sent). */
    private static String plain(final EdgeNode edge, final String request)
    {
        try (Socket socket = new Socket("127.0.0.1", edge.address().getPort()))
        {
            socket.setSoTimeout(10_000);
            return Stack.exchange(socket, request);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    /** {@code curl -sI} of /spring on {@link #DOMAIN} resolved to loopback; @return its headers. */
    private static String curl(final DevelopmentCa ca, final int port, final String protocol) throws Exception
    {
        final Process process = new ProcessBuilder("curl", "-sS", "-I", protocol, "--cacert", ca.caFile().toString(),
            "--resolve", DOMAIN + ":" + port + ":127.0.0.1", "https://" + DOMAIN + ":" + port + "/spring").redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), output);
        return output.replace("\r", "");
    }

    /** One TLS 1.3 connection by openssl s_client that waits for the session ticket; @return its output. */
    private static String openssl(final DevelopmentCa ca, final int port, final String sessionOption, final Path session) throws Exception
    {
        final Process process = new ProcessBuilder("openssl", "s_client", "-tls1_3", "-connect", "127.0.0.1:" + port,
            "-servername", DOMAIN, "-CAfile", ca.caFile().toString(), sessionOption, session.toString(), "-ign_eof")
            .redirectErrorStream(true).start();
        process.getOutputStream().write(("GET /spring HTTP/1.1\r\nHost: " + DOMAIN + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), output);
        return output;
    }
}
