package io.bounce.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.bounce.runtime.testing.RawHttp;
import io.bounce.runtime.testing.Tools;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.tls.DevelopmentCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS port with real TLS: certificates chosen by SNI, both key types, renewal without a restart, the refusals. */
class EdgeHttpsTest
{
    @TempDir
    Path dir;
    private DevelopmentCa ca;
    private Path certs;
    private EdgeHarness edge;

    /** openssl s_client and curl are the clients of several tests: installed with apt-get where missing. */
    @BeforeAll
    static void tools() throws Exception
    {
        Tools.ensure("openssl", "openssl");
        Tools.ensure("curl", "curl");
    }

    @BeforeEach
    void start() throws Exception
    {
        ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        certs = Files.createDirectories(dir.resolve("certs"));
        DevelopmentCa.write(certs, "a.example", ca.issue(List.of("a.example"), "EC", Duration.ofDays(30)));
        DevelopmentCa.write(certs, "a.example-rsa", ca.issue(List.of("a.example"), "RSA", Duration.ofDays(30)));
        DevelopmentCa.write(certs, "b.example-wildcard", ca.issue(List.of("*.b.example"), "EC", Duration.ofDays(30)));
        DevelopmentCa.write(dir, "default", ca.issue(List.of("localhost", "127.0.0.1"), "EC", Duration.ofDays(30)));
        final Path tsv = dir.resolve("links.tsv");
        Files.writeString(tsv, "abc\thttps://example.org/landing\n" + "abc\thttps://brand.example/a\t302\ta.example\n" +
            "abc\thttps://brand.example/b\t302\tgo.b.example\n");
        edge = new EdgeHarness(dir.resolve("data"), "--import", tsv.toString(),
            "--https-port", "0", "--tls-dir", certs.toString(),
            "--tls-cert", dir.resolve("default.pem").toString(), "--tls-key", dir.resolve("default.key").toString());
    }

    @AfterEach
    void stop()
    {
        edge.close();
    }

    @Test
    void shouldChooseTheCertificateByServerNameExactThenWildcardThenDefault() throws Exception
    {
        assertEquals(List.of("a.example"), names(handshake("a.example", null)));
        assertEquals(List.of("*.b.example"), names(handshake("go.b.example", null)));
        assertEquals(List.of("localhost", "127.0.0.1"), names(handshake("unknown.example", null)));
        assertEquals(List.of("localhost", "127.0.0.1"), names(handshake(null, null)));
        assertTrue(edge.output.toString(StandardCharsets.UTF_8).contains("edge-https: https://127.0.0.1:" + httpsPort()));
    }

    @Test
    void shouldAnswerEachDomainsLinkOverItsOwnCertificate() throws Exception
    {
        try (RawHttp.Connection connection = new RawHttp.Connection(handshake("a.example", null)))
        {
            final RawHttp.Response first = connection.send("GET /abc HTTP/1.1\r\nHost: a.example\r\n\r\n").read();
            assertEquals(302, first.status);
            assertEquals("https://brand.example/a", first.header("Location"));
            // keep-alive over TLS: the second request rides the same connection
            assertEquals("https://brand.example/a", connection.send("GET /abc HTTP/1.1\r\nHost: a.example\r\n\r\n").read().header("Location"));
        }
        try (RawHttp.Connection connection = new RawHttp.Connection(handshake("go.b.example", null)))
        {
            assertEquals("https://brand.example/b",
                connection.send("GET /abc HTTP/1.1\r\nHost: go.b.example\r\nConnection: close\r\n\r\n").read().header("Location"));
        }
    }

    @Test
    void shouldRedirectThroughTheJdkHttpClientTrustingTheCa() throws Exception
    {
        final HttpClient client = HttpClient.newBuilder().sslContext(trusting(ca.caFile())).followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1).build();
        final HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort() + "/abc")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, response.statusCode());
        assertEquals("https://example.org/landing", response.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void shouldAnswerOverHttp2ChosenByAlpn() throws Exception
    {
        final HttpClient client = HttpClient.newBuilder().sslContext(trusting(ca.caFile())).followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_2).build();
        final HttpResponse<String> redirect = client.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + httpsPort() + "/abc?utm=1")).header("User-Agent", "h2-test").build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, redirect.version());
        assertEquals(302, redirect.statusCode());
        assertEquals("https://example.org/landing", redirect.headers().firstValue("Location").orElseThrow());
        assertEquals("private, no-cache", redirect.headers().firstValue("Cache-Control").orElseThrow());
        final HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort() + "/nope")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("This short link does not exist."), missing.body());
        final HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort() + "/abc"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());

        final Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_version} %{http_code} %{redirect_url}",
            "--http2", "--cacert", ca.caFile().toString(), "--resolve", "a.example:" + httpsPort() + ":127.0.0.1",
            "https://a.example:" + httpsPort() + "/abc").redirectErrorStream(true).start();
        assertEquals("2 302 https://brand.example/a", new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        final String metrics = metrics();
        assertTrue(metrics.contains("bounce_edge_responses_total{status=\"302\"} 2"), metrics);
    }

    @Test
    void shouldApplyLinkRulesAndAnswerPreviewsOverHttp2() throws Exception
    {
        edge.node.replica().apply(new io.bounce.replication.link.LinkRecord("localhost", "ruled", "https://example.org/any?utm_source=x", 302,
            0, 0, 0, io.bounce.replication.link.LinkRecord.FLAG_FORWARD_QUERY | io.bounce.replication.link.LinkRecord.FLAG_UTM, 1,
            new io.bounce.replication.link.RuleSet(List.of(
                new io.bounce.replication.link.RuleSet.Target(0, io.bounce.replication.link.RuleSet.OS_IOS, List.of(), List.of(),
                    io.bounce.replication.link.RuleSet.QUERY_NONE, "", "", "https://apps.example/ios"),
                new io.bounce.replication.link.RuleSet.Target(0, 0, List.of(), List.of("de"),
                    io.bounce.replication.link.RuleSet.QUERY_NONE, "", "", "https://example.de/")),
                List.of(), null, new io.bounce.replication.link.RuleSet.Preview("<b>\"Sale\"</b>", "", ""))));
        final HttpClient client = HttpClient.newBuilder().sslContext(trusting(ca.caFile())).followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_2).build();
        final URI uri = URI.create("https://localhost:" + httpsPort() + "/ruled?utm_source=spoof&a=1");
        final HttpResponse<String> ios = client.send(HttpRequest.newBuilder(uri)
            .header("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, ios.version());
        assertEquals("https://apps.example/ios?a=1", ios.headers().firstValue("Location").orElseThrow(), "the visitor's utm_* dropped");
        final HttpResponse<String> german = client.send(HttpRequest.newBuilder(uri).header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
            .header("Accept-Language", "de-DE,de;q=0.9,en;q=0.5").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("https://example.de/?a=1", german.headers().firstValue("Location").orElseThrow(), "Accept-Language read over HTTP/2");
        final HttpResponse<String> other = client.send(HttpRequest.newBuilder(uri).header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)").build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals("https://example.org/any?utm_source=x&a=1", other.headers().firstValue("Location").orElseThrow());
        final HttpResponse<String> preview = client.send(HttpRequest.newBuilder(uri).header("User-Agent", "Twitterbot/1.0").build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, preview.statusCode());
        assertTrue(preview.body().contains("<title>&lt;b&gt;&quot;Sale&quot;&lt;/b&gt;</title>"), preview.body());
        assertEquals(String.valueOf(preview.body().getBytes(StandardCharsets.UTF_8).length),
            preview.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("noindex", preview.headers().firstValue("X-Robots-Tag").orElseThrow());
    }

    @Test
    void shouldCheckAPasswordPostedOverHttp2AndLetThePassThrough() throws Exception
    {
        edge.node.replica().apply(new io.bounce.replication.link.LinkRecord("localhost", "locked", "https://example.org/vault", 302,
            0, 0, 0, 0, 1, new io.bounce.replication.link.RuleSet(List.of(), List.of(), null, null,
                io.bounce.runtime.crypto.PasswordHash.hash("h2 secret"))));
        final HttpClient client = HttpClient.newBuilder().sslContext(trusting(ca.caFile())).followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_2).build();
        final URI uri = URI.create("https://localhost:" + httpsPort() + "/locked?x=1");
        final HttpResponse<String> form = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, form.version());
        assertEquals(200, form.statusCode());
        assertTrue(form.body().contains("<form method=\"post\">") && !form.body().contains("vault"), form.body());
        final HttpResponse<String> wrong = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("password=h2+secre")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, wrong.statusCode());
        final HttpResponse<String> right = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("password=h2+secret")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, right.statusCode());
        assertEquals("/locked?x=1", right.headers().firstValue("Location").orElseThrow());
        final String cookie = right.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.endsWith("; HttpOnly; SameSite=Lax; Secure"), cookie);
        final HttpResponse<String> through = client.send(HttpRequest.newBuilder(uri).header("Cookie", cookie.substring(0, cookie.indexOf(';')))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, through.statusCode());
        assertEquals("https://example.org/vault", through.headers().firstValue("Location").orElseThrow());
        final HttpResponse<String> large = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(
            "password=" + "x".repeat(2000))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, large.statusCode(), "a form over 1 KiB");
        for (int i = 0; i < 200; i++)
        {
            // flow-control credit is given back: more form bytes than the connection's 64 KiB window go through one connection
            final int status = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("password=" + "y".repeat(500)))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            assertTrue(status == 403 || status == 429 || status == 503, "wrong, or refused before a check: " + status);
        }
    }

    @Test
    void shouldEndAnHttp2ConnectionThatResetsStreamsInAFloodAndCountIt() throws Exception
    {
        final SSLSocket socket = (SSLSocket)trusting(ca.caFile()).getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", httpsPort()), 5_000);
        socket.setSoTimeout(10_000);
        final SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("a.example")));
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertEquals("h2", socket.getApplicationProtocol());
        final java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        frames.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // SETTINGS with an initial window of 0: the edge cannot send its 404 pages' bodies, so each stream stays open...
        frame(frames, 0x4, 0, 0, new byte[] {0, 0x4, 0, 0, 0, 0});
        // ...until the client resets it at once (HPACK: :method GET, :scheme https, :path /, :authority "a"): rapid reset.
        final byte[] block = {(byte)0x82, (byte)0x87, (byte)0x84, 0x41, 0x01, 'a'};
        for (int stream = 1; stream < 2 * 400; stream += 2)
        {
            frame(frames, 0x1, 0x5, stream, block);
            frame(frames, 0x3, 0, stream, new byte[] {0, 0, 0, 0x8});
        }
        final java.io.OutputStream out = socket.getOutputStream();
        try
        {
            out.write(frames.toByteArray());
            out.flush();
        }
        catch (final IOException ex)
        {
            // the edge may close before it has read all of it
        }
        final byte[] answer = socket.getInputStream().readAllBytes();
        socket.close();
        assertTrue(goAwayWith(answer, 0xb), () -> "GOAWAY with ENHANCE_YOUR_CALM; got " + describe(answer));
        assertTrue(metrics().contains("bounce_edge_rejections_total{reason=\"http2_reset_flood\"} 1"), this::metrics);
        assertEquals(302, new RawHttp.Connection(handshake("a.example", null))
            .send("GET /abc HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n").read().status, "others are served");
    }

    private static void frame(final java.io.ByteArrayOutputStream out, final int type, final int flags, final int stream, final byte[] payload)
    {
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.writeBytes(payload);
    }

    private static String describe(final byte[] frames)
    {
        final StringBuilder out = new StringBuilder();
        for (int at = 0; at + 9 <= frames.length; )
        {
            final int length = (frames[at] & 0xFF) << 16 | (frames[at + 1] & 0xFF) << 8 | frames[at + 2] & 0xFF;
            out.append("type=").append(frames[at + 3]).append(" len=").append(length);
            if ((frames[at + 3] == 0x7 || frames[at + 3] == 0x3) && at + 9 + 4 <= frames.length)
            {
                final int off = frames[at + 3] == 0x7 ? at + 13 : at + 9;
                out.append(" error=").append(frames[off + 3] & 0xFF);
            }
            out.append("; ");
            at += 9 + length;
            if (out.length() > 2000)
            {
                break;
            }
        }
        return out.append(" (").append(frames.length).append(" bytes)").toString();
    }

    /** @return true if the server's frames hold a GOAWAY with {@code error}. */
    private static boolean goAwayWith(final byte[] frames, final int error)
    {
        for (int at = 0; at + 9 <= frames.length; )
        {
            final int length = (frames[at] & 0xFF) << 16 | (frames[at + 1] & 0xFF) << 8 | frames[at + 2] & 0xFF;
            if (frames[at + 3] == 0x7 && at + 9 + 8 <= frames.length)
            {
                final int code = (frames[at + 13] & 0xFF) << 24 | (frames[at + 14] & 0xFF) << 16 | (frames[at + 15] & 0xFF) << 8 | frames[at + 16] & 0xFF;
                if (code == error)
                {
                    return true;
                }
            }
            at += 9 + length;
        }
        return false;
    }

    @Test
    void shouldServeTheKeyTypeTheClientSupports() throws Exception
    {
        final SSLSocket ecdsa = handshake("a.example", new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, "TLSv1.2");
        assertEquals("EC", ecdsa.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm());
        ecdsa.close();
        final SSLSocket rsa = handshake("a.example", new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, "TLSv1.2");
        assertEquals("RSA", rsa.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm());
        rsa.close();
    }

    @Test
    void shouldRefuseCipherSuitesWithoutForwardSecrecyOrAead() throws Exception
    {
        assertThrows(SSLHandshakeException.class,
            () -> handshake("a.example", new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}, "TLSv1.2").close());
        assertThrows(SSLHandshakeException.class,
            () -> handshake("a.example", new String[] {"TLS_RSA_WITH_AES_128_GCM_SHA256"}, "TLSv1.2").close());
    }

    @Test
    void shouldRefuseTls11() throws Exception
    {
        final Process process = new ProcessBuilder("openssl", "s_client", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-connect", "127.0.0.1:" + httpsPort(),
            "-servername", "a.example").redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, process.exitValue(), output);
        assertFalse(output.contains("BEGIN CERTIFICATE") || output.contains("Cipher is ECDHE"), output);
        // The edge's own refusal (a protocol_version alert), not the client declining to offer TLS 1.1.
        assertTrue(output.contains("alert protocol version"), output);
    }

    @Test
    void shouldServeARenewedCertificateFromTheNextHandshakeWithoutDroppingARequest() throws Exception
    {
        final String before = serial(handshake("a.example", null));
        final RawHttp.Connection open = new RawHttp.Connection(handshake("a.example", null));
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger answered = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            final Thread client = new Thread(() ->
            {
                try
                {
                    while (running.get())
                    {
                        try (RawHttp.Connection c = new RawHttp.Connection(handshake("a.example", null)))
                        {
                            final RawHttp.Response response = c.send("GET /abc HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n").read();
                            assertEquals(302, response.status);
                            answered.incrementAndGet();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            });
            client.start();
            clients.add(client);
        }
        while (answered.get() < 50 && failure.get() == null)
        {
            Thread.sleep(5);
        }
        DevelopmentCa.write(certs, "a.example", ca.issue(List.of("a.example"), "EC", Duration.ofDays(60)));
        String after = before;
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); after.equals(before) && System.nanoTime() < deadline; )
        {
            after = serial(handshake("a.example", null));
        }
        final int atSwap = answered.get();
        while (answered.get() < atSwap + 50 && failure.get() == null)
        {
            Thread.sleep(5);
        }
        running.set(false);
        for (final Thread client : clients)
        {
            client.join(10_000);
        }
        assertEquals(null, failure.get(), () -> String.valueOf(failure.get()));
        assertNotEquals(before, after, "the renewed certificate is served");
        assertEquals(302, open.send("GET /abc HTTP/1.1\r\nHost: a.example\r\n\r\n").read().status, "an open connection carries on");
        open.close();
    }

    @Test
    void shouldResumeASessionTicketIssuedByOneEdgeOnAnotherSharingItsKeys() throws Exception
    {
        edge.close();
        final Path keys = dir.resolve("ticket.keys");
        Files.writeString(keys, "# the first key seals, every key opens\n" + Base64.getEncoder().encodeToString(random(48)) + "\n" +
            Base64.getEncoder().encodeToString(random(48)) + "\n");
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
        final String[] tls = {"--https-port", "0", "--tls-dir", certs.toString(), "--tls-ticket-keys", keys.toString()};
        edge = new EdgeHarness(dir.resolve("a"), tls);
        try (EdgeHarness other = new EdgeHarness(dir.resolve("b"), tls);
             EdgeHarness stranger = new EdgeHarness(dir.resolve("c"), "--https-port", "0", "--tls-dir", certs.toString()))
        {
            final Path session = dir.resolve("session.pem");
            assertTrue(openssl(httpsPort(), "-sess_out", session).contains("New, TLSv1.3"));
            assertTrue(openssl(other.node.httpsAddress().getPort(), "-sess_in", session).contains("Reused, TLSv1.3"),
                "a ticket from edge a resumes on edge b");
            assertTrue(openssl(stranger.node.httpsAddress().getPort(), "-sess_in", session).contains("New, TLSv1.3"),
                "an edge with other keys cannot open it: a full handshake");
            final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + other.adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("resumed=\"true\",server=\"edge\",version=\"TLSv1.3\"} 1.0"), metrics);
        }
    }

    /** One TLS 1.3 connection by openssl s_client that asks for a link and waits for the ticket; @return its output. */
    private static String openssl(final int port, final String sessionOption, final Path session) throws Exception
    {
        final Process process = new ProcessBuilder("openssl", "s_client", "-tls1_3", "-connect", "127.0.0.1:" + port,
            "-servername", "a.example", sessionOption, session.toString(), "-ign_eof").redirectErrorStream(true).start();
        process.getOutputStream().write("GET /abc HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), output);
        return output;
    }

    private static byte[] random(final int bytes)
    {
        final byte[] out = new byte[bytes];
        new java.security.SecureRandom().nextBytes(out);
        return out;
    }

    @Test
    void shouldAnswerANameWithNoCertificateAndNoDefaultWithUnrecognizedName() throws Exception
    {
        edge.close();
        final Path other = dir.resolve("other");
        edge = new EdgeHarness(other.resolve("data"), "--https-port", "0", "--tls-dir", certs.toString());
        final SSLHandshakeException refused = assertThrows(SSLHandshakeException.class, () -> handshake("unknown.example", null).close());
        assertTrue(refused.getMessage().contains("unrecognized_name"), refused.getMessage());
        assertEquals(List.of("a.example"), names(handshake("a.example", null)));
        final String metrics = metrics();
        assertTrue(metrics.contains("bounce_tls_handshake_failures_total{reason=\"unrecognized_name\",server=\"edge\"} 1.0"), metrics);
        assertTrue(metrics.contains("bounce_tls_certificates_loaded 3.0"), metrics);
        assertTrue(metrics.contains("bounce_tls_certificate_not_after_seconds{domain=\"a.example\"}"), metrics);
        assertTrue(metrics.matches("(?s).*bounce_tls_handshakes_total\\{cipher=\"TLS_AES_[^\"]+\",resumed=\"false\",server=\"edge\",version=\"TLSv1.3\"} 1.0.*"),
            metrics);
    }

    @Test
    void shouldCountAResumedHandshakeApart() throws Exception
    {
        final SSLContext client = trusting(ca.caFile());
        for (int i = 0; i < 2; i++)
        {
            try (SSLSocket socket = (SSLSocket)client.getSocketFactory().createSocket("127.0.0.1", httpsPort()))
            {
                final SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName("a.example")));
                parameters.setProtocols(new String[] {"TLSv1.2"});
                socket.setSSLParameters(parameters);
                socket.startHandshake();
            }
        }
        final String metrics = metrics();
        assertTrue(metrics.contains("cipher=\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\",resumed=\"false\",server=\"edge\",version=\"TLSv1.2\"} 1.0"), metrics);
        assertTrue(metrics.contains("cipher=\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\",resumed=\"true\",server=\"edge\",version=\"TLSv1.2\"} 1.0"), metrics);
    }

    @Test
    void shouldSkipABrokenPairAndKeepNoKeyInTheOutput() throws Exception
    {
        Files.copy(certs.resolve("a.example.pem"), certs.resolve("broken.pem"));
        Files.copy(certs.resolve("b.example-wildcard.key"), certs.resolve("broken.key"));
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
             !metrics().contains("bounce_tls_directory_refused_total 1.0") && System.nanoTime() < deadline; )
        {
            Thread.sleep(50);
        }
        assertTrue(metrics().contains("bounce_tls_directory_refused_total 1.0"), this::metrics);
        assertEquals(List.of("a.example"), names(handshake("a.example", null)));
        io.bounce.runtime.log.LogOutput.flush();
        final String output = edge.output.toString(StandardCharsets.UTF_8);
        assertFalse(output.contains("PRIVATE KEY"), output);
        try (Stream<Path> files = Files.walk(dir.resolve("data")))
        {
            for (final Path file : (Iterable<Path>)files.filter(Files::isRegularFile)::iterator)
            {
                assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("PRIVATE KEY"), file.toString());
            }
        }
    }

    private int httpsPort()
    {
        return edge.node.httpsAddress().getPort();
    }

    /**
     * A new TLS connection from a client with no session to resume: the JDK's client keys its session cache by
     * address and, resuming, sends the old session's server name instead of the one asked for.
     */
    private SSLSocket handshake(final String serverName, final String[] ciphers, final String... protocols) throws Exception
    {
        final SSLSocket socket = (SSLSocket)trusting(ca.caFile()).getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", httpsPort()), 5_000);
        socket.setSoTimeout(10_000);
        final SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        if (ciphers != null)
        {
            parameters.setCipherSuites(ciphers);
        }
        if (protocols.length > 0)
        {
            parameters.setProtocols(protocols);
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static List<String> names(final SSLSocket socket) throws Exception
    {
        try (socket)
        {
            final X509Certificate leaf = (X509Certificate)socket.getSession().getPeerCertificates()[0];
            final List<String> names = new ArrayList<>();
            leaf.getSubjectAlternativeNames().forEach(name -> names.add(String.valueOf(name.get(1))));
            return names;
        }
    }

    private static String serial(final SSLSocket socket) throws Exception
    {
        try (socket)
        {
            return ((X509Certificate)socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
        }
    }

    private String metrics()
    {
        try
        {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        }
        catch (final IOException | InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
    }

    static SSLContext trusting(final Path caFile) throws IOException
    {
        return ClientTrust.trusting(caFile);
    }
}
