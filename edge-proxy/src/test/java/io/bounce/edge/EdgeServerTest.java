package io.bounce.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.replication.link.LinkRecord;
import io.bounce.runtime.testing.RawHttp.Connection;
import io.bounce.runtime.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public port through real sockets: every status, the HTTP/1.x connection rules and the limits. */
class EdgeServerTest
{
    private static final long MINUTE = 60_000L;

    @TempDir
    Path dir;
    private EdgeHarness edge;
    private long now;

    @BeforeEach
    void start() throws Exception
    {
        final Path tsv = dir.resolve("links.tsv");
        Files.writeString(tsv, String.join("\n",
            "temp302\thttps://example.com/landing?utm=1",
            "perm301\thttps://example.org/p\t301",
            "temp307\thttps://example.net/t\t307",
            "perm308\thttps://example.io/q\t308",
            "brand\thttps://brand.example/x\t302\tgo.brand.test",
            "dup\thttps://default.example/\t302",
            "dup\thttps://branded.example/\t302\tgo.brand.test",
            "") + "\n");
        edge = new EdgeHarness(dir.resolve("data"), "--import", tsv.toString(),
            "--header-timeout-ms", "400", "--idle-timeout-ms", "800", "--permanent-max-age-s", "600");
        now = edge.clock.time();
    }

    @AfterEach
    void stop()
    {
        edge.close();
    }

    private LinkReplica replica()
    {
        return edge.node.replica();
    }

    private void put(final String code, final String url, final int status, final long editableUntil, final long expiresAt, final int flags)
    {
        replica().put(new LinkRecord("bnc.test", code, url, status, now, editableUntil, expiresAt, flags, 1));
    }

    @Test
    void shouldRedirectWithTheStoredStatusAndLocationExactlyAsStored() throws IOException
    {
        final Response r302 = edge.get("/temp302");
        assertEquals("HTTP/1.1 302 Found", r302.statusLine);
        assertEquals("https://example.com/landing?utm=1", r302.header("Location"));
        assertEquals("private, no-cache", r302.header("Cache-Control"));
        assertEquals("0", r302.header("Content-Length"));
        assertTrue(r302.header("Date").endsWith(" GMT"), r302.header("Date"));

        final Response r301 = edge.get("/perm301");
        assertEquals(301, r301.status);
        assertEquals("https://example.org/p", r301.header("Location"));
        assertEquals("public, max-age=600", r301.header("Cache-Control"));

        assertEquals(307, edge.get("/temp307").status);
        assertEquals("private, no-cache", edge.get("/temp307").header("Cache-Control"));
        final Response r308 = edge.get("/perm308");
        assertEquals(308, r308.status);
        assertEquals("public, max-age=600", r308.header("Cache-Control"));
    }

    @Test
    void shouldBeFollowableByARealHttpClient() throws Exception
    {
        final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
        final HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/temp302")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(302, response.statusCode());
        assertEquals("https://example.com/landing?utm=1", response.headers().firstValue("location").orElseThrow());
        final HttpResponse<String> missing = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/nothing")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }

    @Test
    void shouldAnswer404WithAFixedPageThatNeverEchoesTheRequest() throws IOException
    {
        final Response response = edge.get("/script%3Calert%3E");
        assertEquals(404, response.status);
        assertEquals("text/html; charset=utf-8", response.header("Content-Type"));
        assertFalse(response.body.contains("script"), response.body);
        assertEquals(edge.get("/unknown1").body, response.body);
        assertEquals(404, edge.get("/").status);
        assertEquals(404, edge.get("/temp302/extra").status);
        assertEquals(404, edge.get("/" + "a".repeat(65)).status);
    }

    @Test
    void shouldAnswer410AfterExpiryAsTheClockPassesIt() throws IOException
    {
        put("expiring", "https://example.com/sale", 302, now, now + 5 * MINUTE, 0);
        assertEquals(302, edge.get("/expiring").status);
        edge.clock.update(now + 5 * MINUTE - 1);
        assertEquals(302, edge.get("/expiring").status);
        edge.clock.update(now + 5 * MINUTE);
        final Response gone = edge.get("/expiring");
        assertEquals(410, gone.status);
        assertTrue(gone.body.contains("expired"), gone.body);
    }

    @Test
    void shouldAnswer410ForDeletedAnd451ForDisabledLinks() throws IOException
    {
        put("deleted", "", 302, now, 0, LinkRecord.FLAG_DELETED);
        put("abusive", "https://phish.example/", 302, now, 0, LinkRecord.FLAG_DISABLED);
        assertEquals(410, edge.get("/deleted").status);
        final Response disabled = edge.get("/abusive");
        assertEquals(451, disabled.status);
        assertNull(disabled.header("Location"));
        assertFalse(disabled.body.contains("phish"));

        put("abusive-expired", "https://phish.example/", 302, now, now + MINUTE, LinkRecord.FLAG_DISABLED);
        edge.clock.update(now + 2 * MINUTE);
        assertEquals(451, edge.get("/abusive-expired").status, "taken down and expired: the takedown is what is said");
        put("abusive-deleted", "", 302, now, 0, LinkRecord.FLAG_DISABLED | LinkRecord.FLAG_DELETED);
        assertEquals(410, edge.get("/abusive-deleted").status, "an admin deleted it after the takedown");
    }

    @Test
    void shouldServePermanentRedirectsAsTemporaryInsideTheEditWindow() throws IOException
    {
        put("fresh301", "https://example.com/a", 301, now + 10 * MINUTE, 0, 0);
        put("fresh308", "https://example.com/b", 308, now + 10 * MINUTE, 0, 0);
        final Response early301 = edge.get("/fresh301");
        assertEquals(302, early301.status);
        assertEquals("private, no-cache", early301.header("Cache-Control"));
        assertEquals(307, edge.get("/fresh308").status);

        edge.clock.update(now + 10 * MINUTE);
        final Response late301 = edge.get("/fresh301");
        assertEquals(301, late301.status);
        assertEquals("public, max-age=600", late301.header("Cache-Control"));
        assertEquals(308, edge.get("/fresh308").status);
    }

    @Test
    void shouldForwardTheQueryStringWhenTheLinkAsksForIt() throws IOException
    {
        put("fwd", "https://example.com/p", 302, now, 0, LinkRecord.FLAG_FORWARD_QUERY);
        put("fwdq", "https://example.com/p?a=1", 302, now, 0, LinkRecord.FLAG_FORWARD_QUERY);
        put("fwdfrag", "https://example.com/p?a=1#top", 302, now, 0, LinkRecord.FLAG_FORWARD_QUERY);
        assertEquals("https://example.com/p?utm=x&b=2", edge.get("/fwd?utm=x&b=2").header("Location"));
        assertEquals("https://example.com/p", edge.get("/fwd").header("Location"));
        assertEquals("https://example.com/p?a=1&z=9", edge.get("/fwdq?z=9").header("Location"));
        assertEquals("https://example.com/p?a=1&z=9#top", edge.get("/fwdfrag?z=9").header("Location"));
        assertEquals("https://example.com/landing?utm=1", edge.get("/temp302?z=9").header("Location"),
            "links without forward-query ignore the request's query");
    }

    @Test
    void shouldChooseTheDomainByHostAndFallBackToTheDefaultForUnknownHosts() throws IOException
    {
        assertEquals("https://branded.example/", edge.get("/dup", "go.brand.test").header("Location"));
        assertEquals("https://branded.example/", edge.get("/dup", "GO.Brand.TEST:8080").header("Location"));
        assertEquals("https://branded.example/", edge.get("/dup", "go.brand.test.").header("Location"));
        assertEquals("https://default.example/", edge.get("/dup", "unknown.example").header("Location"));
        assertEquals("https://default.example/", edge.get("/dup", "").header("Location"));
        assertEquals(404, edge.get("/temp302", "go.brand.test").status, "a known branded domain does not fall back");
        assertEquals(302, edge.get("/brand", "go.brand.test").status);
        try (Connection c = new Connection(edge.port()))
        {
            final Response absolute = c.send("GET http://go.brand.test/dup HTTP/1.1\r\nHost: elsewhere\r\n\r\n").read();
            assertEquals("https://branded.example/", absolute.header("Location"));
        }
    }

    @Test
    void shouldAnswerHeadWithHeadersAndNoBody() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            final Response redirect = c.send("HEAD /temp302 HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(302, redirect.status);
            assertEquals("https://example.com/landing?utm=1", redirect.header("Location"));
            final Response missing = c.send("HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(404, missing.status);
            assertTrue(Integer.parseInt(missing.header("Content-Length")) > 0);
            // If a body had been sent after the HEAD answer it would be read here as the next status line.
            assertEquals(307, c.send("GET /temp307 HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
        }
    }

    @Test
    void shouldReuseKeepAliveConnectionsAndAnswerPipelinedRequestsInOrder() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            assertEquals(302, c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            assertEquals(301, c.send("GET /perm301 HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            c.send("GET /temp307 HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n" +
                "GET /perm308 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(307, c.read().status);
            assertEquals(404, c.read().status);
            assertEquals(308, c.read().status);
            assertFalse(c.isClosedByServer(200));
        }
    }

    @Test
    void shouldAnswerRequestsSplitAcrossManyWrites() throws Exception
    {
        try (Connection c = new Connection(edge.port()))
        {
            for (final char ch : "GET /temp302 HTTP/1.1\r\nHost: x\r\n\r\n".toCharArray())
            {
                c.send(String.valueOf(ch));
            }
            assertEquals(302, c.read().status);
        }
    }

    @Test
    void shouldCloseHttp10UnlessKeepAliveIsAsked() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            final Response response = c.send("GET /temp302 HTTP/1.0\r\n\r\n").read();
            assertEquals(302, response.status);
            assertEquals("close", response.header("Connection"));
            assertTrue(c.isClosedByServer(2000));
        }
        try (Connection c = new Connection(edge.port()))
        {
            final Response response = c.send("GET /temp302 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertEquals("keep-alive", response.header("Connection"));
            assertEquals(301, c.send("GET /perm301 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().status);
        }
        try (Connection c = new Connection(edge.port()))
        {
            c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertTrue(c.isClosedByServer(2000));
        }
    }

    @Test
    void shouldAnswer405WithAllowForOtherMethods() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            final Response response = c.send("DELETE /temp302 HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(405, response.status);
            assertEquals("GET, HEAD", response.header("Allow"));
            assertEquals(302, c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\n\r\n").read().status, "405 keeps the connection");
        }
    }

    @Test
    void shouldRefuseEveryRequestBodyButAPasswordFormAndClose() throws IOException
    {
        edge.node.replica().apply(new io.bounce.replication.link.LinkRecord("bnc.test", "locked", "https://example.org/vault", 302,
            0, 0, 0, 0, 1, new io.bounce.replication.link.RuleSet(List.of(), List.of(), null, null,
                io.bounce.runtime.crypto.PasswordHash.hash("open sesame"))));
        try (Connection c = new Connection(edge.port()))
        {
            // a form body is read whole before the answer: sent in two writes, only the whole of it is the password
            c.send("POST /locked HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\npassword=open+ses");
            c.send("ame");
            final Response response = c.read();
            assertEquals(303, response.status);
            assertEquals("close", response.header("Connection"));
            assertTrue(c.isClosedByServer(2000));
        }
        try (Connection c = new Connection(edge.port()))
        {
            c.send("POST /temp302 HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\npassword=hello");
            final Response response = c.read();
            assertEquals(405, response.status, "a plain link takes no POST");
            assertEquals("close", response.header("Connection"));
            assertTrue(c.isClosedByServer(2000));
        }
        try (Connection c = new Connection(edge.port()))
        {
            c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            assertEquals(400, c.read().status);
            assertTrue(c.isClosedByServer(2000));
        }
        try (Connection c = new Connection(edge.port()))
        {
            c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertEquals(400, c.read().status);
            assertTrue(c.isClosedByServer(2000));
        }
        for (final String post : List.of("POST /temp302 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST /temp302 HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n"))
        {
            try (Connection c = new Connection(edge.port()))
            {
                c.send(post);
                assertEquals(413, c.read().status, "a form over 1 KiB, or without a length");
                assertTrue(c.isClosedByServer(2000));
            }
        }
    }

    @Test
    void shouldAnswer414ForAnOversizedRequestLineAnd431ForOversizedHeaders() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            final Response response = c.send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(414, response.status);
            assertTrue(c.isClosedByServer(2000));
        }
        try (Connection c = new Connection(edge.port()))
        {
            final Response response = c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\nCookie: " + "c".repeat(9000) + "\r\n\r\n").read();
            assertEquals(431, response.status);
            assertTrue(c.isClosedByServer(2000));
        }
    }

    @Test
    void shouldAnswerMalformedRequestsWith400AndClose() throws IOException
    {
        for (final String bad : new String[] {"GARBAGE\r\n\r\n", "GET /a HTTP/9.9\r\nHost: x\r\n\r\n", "GET /a HTTP/1.1\r\n\r\n",
            "GET /temp302 HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0000b\r\n\r\n", "GET /temp302 HTTP/1.1\r\nHost: x\r\nReferer: a\u0008b\r\n\r\n",
            "GET /temp302 HTTP/1.1\r\nHost: x\r\nUser-Agent: a\rX-Injected: b\r\n\r\n"})
        {
            try (Connection c = new Connection(edge.port()))
            {
                assertEquals(400, c.send(bad).read().status, bad);
                assertTrue(c.isClosedByServer(2000), bad);
            }
        }
        assertEquals(302, edge.get("/temp302").status, "the edge keeps serving");
    }

    @Test
    void shouldCloseConnectionsThatAreSlowToSendHeadersOrIdle() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            c.send("GET /temp302 HTTP/1.1\r\nHo");
            assertTrue(c.isClosedByServer(5000), "slow headers are cut after --header-timeout-ms");
        }
        try (Connection c = new Connection(edge.port()))
        {
            assertEquals(302, c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            assertTrue(c.isClosedByServer(5000), "idle keep-alive connections are cut after --idle-timeout-ms");
        }
        final String metrics = metrics();
        assertTrue(metrics.contains("bounce_edge_rejections_total{reason=\"header_timeout\"} 1"), metrics);
        assertTrue(metrics.contains("bounce_edge_rejections_total{reason=\"idle_timeout\"} 1"), metrics);
    }

    @Test
    void shouldServeHealthReadinessAndMetricsOnTheAdminPortOnly() throws IOException
    {
        edge.get("/temp302");
        edge.get("/nope");
        try (Connection c = new Connection(edge.adminPort()))
        {
            assertEquals(200, c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            assertEquals(200, c.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
        }
        final String metrics = metrics();
        assertTrue(metrics.contains("bounce_edge_responses_total{status=\"302\"} 1"), metrics);
        assertTrue(metrics.contains("bounce_edge_responses_total{status=\"404\"} 1"), metrics);
        assertTrue(metrics.contains("bounce_edge_redirect_latency_seconds_count 1"), metrics);
        assertTrue(metrics.contains("bounce_edge_redirect_latency_seconds_bucket{le=\"+Inf\"} 1\n"), metrics);
        assertTrue(metrics.contains("\nbounce_build_info{role=\"edge\","), metrics);
        assertTrue(metrics.contains("\njvm_memory_used_bytes{"), "every role exports the JVM's metrics");
        assertTrue(metrics.contains("bounce_edge_replica_entries 7"), metrics);
        assertTrue(metrics.contains("bounce_edge_connections_open"), metrics);
        assertEquals(404, edge.get("/metrics").status, "nothing but links on the public port");
        assertEquals(404, edge.get("/healthz").status);
    }

    @Test
    void shouldDrainOnCloseAndLeaveTheReplicaCleanlyClosed() throws IOException
    {
        try (Connection c = new Connection(edge.port()))
        {
            assertEquals(302, c.send("GET /temp302 HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            edge.close();
            assertTrue(c.isClosedByServer(2000), "idle keep-alive connections are closed by the drain");
        }
        assertFalse(Files.exists(dir.resolve("data").resolve(LinkReplica.DIRTY_MARKER)));
    }

    @Test
    void readinessTurnsTo503AsSoonAsTheDrainStarts() throws Exception
    {
        try (EdgeHarness draining = new EdgeHarness(dir.resolve("draining"), "--drain-timeout-ms", "10000");
            Connection inFlight = new Connection(draining.port()))
        {
            assertEquals(200, readyz(draining.adminPort()));
            // A request in flight keeps the drain waiting, once the edge has read it (a connection with nothing
            // buffered is closed at once by the drain). Sent behind a whole request in one write: the answer
            // to the first proves the edge has read both.
            inFlight.send("GET /temp302 HTTP/1.1\r\nHost: x\r\n\r\nGET /temp302 HTTP/1.1\r\nHo");
            assertEquals(404, inFlight.read().status); // this edge has no links: any answer will do
            final Thread stopper = new Thread(draining::close);
            stopper.start();
            int status = 200;
            for (int i = 0; i < 100 && status == 200; i++)
            {
                Thread.sleep(20);
                status = readyz(draining.adminPort());
            }
            assertEquals(503, status, "a draining edge must tell the load balancer it is not ready");
            inFlight.close();
            stopper.join(15_000);
            assertFalse(stopper.isAlive());
        }
    }

    @Test
    void readinessIs503WhileTheDrainFileExistsAndTheEdgeServesOn() throws Exception
    {
        final Path data = dir.resolve("drain-file");
        try (EdgeHarness draining = new EdgeHarness(data))
        {
            assertEquals(200, readyz(draining.adminPort()));
            Files.createFile(data.resolve(EdgeNode.DRAIN_FILE));
            assertEquals(503, readyz(draining.adminPort()), "the load balancer is told to move traffic away");
            assertTrue(metricsOf(draining.adminPort()).contains("\nbounce_ready 0.0\n"), "and the metric says so");
            assertEquals(404, draining.get("/nope").status, "while the edge still answers whoever comes");
            Files.delete(data.resolve(EdgeNode.DRAIN_FILE));
            assertEquals(200, readyz(draining.adminPort()));
            assertTrue(metricsOf(draining.adminPort()).contains("\nbounce_ready 1.0\n"));
        }
    }

    private static int readyz(final int adminPort) throws IOException
    {
        try (Connection c = new Connection(adminPort))
        {
            return c.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").read().status;
        }
    }

    private String metrics() throws IOException
    {
        return metricsOf(edge.adminPort());
    }

    private static String metricsOf(final int adminPort) throws IOException
    {
        try (Connection c = new Connection(adminPort))
        {
            return c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").read().body;
        }
    }
}
