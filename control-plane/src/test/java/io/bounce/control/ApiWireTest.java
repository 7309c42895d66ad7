package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import io.bounce.runtime.testing.RawHttp.Connection;
import io.bounce.runtime.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API's HTTP/1.1 on the wire, byte for byte: what it refuses, how it answers pipelined requests, the headers on every answer. */
class ApiWireTest
{
    @TempDir
    Path dir;
    private ControlPlaneHarness cp;

    @BeforeEach
    void start() throws Exception
    {
        cp = new ControlPlaneHarness(dir.resolve("data"));
    }

    @AfterEach
    void stop()
    {
        cp.close();
    }

    private Connection connect() throws Exception
    {
        return new Connection(cp.node.address().getPort());
    }

    private String create(final int i)
    {
        final String body = "{\"url\":\"https://a.example/" + i + "\"}";
        return "POST /api/v1/links HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + cp.adminKey + "\r\n" +
            "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "GET /api/v1/openapi.json HTTP/1.1\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.2\r\nHost: a.test\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/2.0\r\nHost: a.test\r\n\r\n",
        "GET /api/v1/\u0000openapi.json HTTP/1.1\r\nHost: a.test\r\n\r\n",
        "GET /api/v1/open\u0007api.json HTTP/1.1\r\nHost: a.test\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\nX-Note: a\u0000b\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\nX-Note: a\u0001b\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\nX-Note: a\u007fb\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\nX-Note: a\rb\r\n\r\n",
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\nX Note: a\r\n\r\n"})
    void requestsTheEdgeRefusesAreRefusedHereToo(final String request) throws Exception
    {
        try (Connection c = connect())
        {
            final Response r = c.send(request).read();
            assertEquals(400, r.status, r.toString());
            assertEquals("application/problem+json", r.header("content-type"));
            assertTrue(c.isClosedByServer(5000), "a connection whose framing is in doubt is closed");
        }
    }

    @Test
    void anHttp10RequestWithoutHostIsFine() throws Exception
    {
        try (Connection c = connect())
        {
            assertEquals(200, c.send("GET /api/v1/openapi.json HTTP/1.0\r\n\r\n").read().status);
        }
    }

    @Test
    void everyPipelinedRequestIsAnsweredInOrderHoweverManyArrive() throws Exception
    {
        final int requests = 200;
        final StringBuilder all = new StringBuilder();
        for (int i = 0; i < requests; i++)
        {
            all.append(create(i));
        }
        try (Connection c = connect())
        {
            c.send(all.toString());
            for (int i = 0; i < requests; i++)
            {
                final Response r = c.read();
                assertEquals(201, r.status, "answer " + i + ": " + r);
                assertTrue(r.body.contains("\"url\":\"https://a.example/" + i + "\""), "answer " + i + " in order: " + r.body);
            }
            assertEquals(200, c.send("GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\n\r\n").read().status,
                "the connection is still good");
        }
        assertEquals(requests, cp.get("/api/v1/links?limit=" + requests, cp.adminKey).json.get("items").size());
    }

    @Test
    void aGoodRequestFollowedByJunkIsDoneAndAnsweredBeforeThe400() throws Exception
    {
        final double before = cp.metric("bounce_api_connections_dropped_total{reason=\"malformed\"}");
        try (Connection c = connect())
        {
            c.send(create(1) + create(2) + "GARBAGE\u0000 /\r\n\r\n" + create(3));
            final Response first = c.read();
            assertEquals(201, first.status, first.toString());
            assertEquals(201, c.read().status);
            final Response junk = c.read();
            assertEquals(400, junk.status, junk.toString());
            assertEquals("close", junk.header("connection"));
            assertTrue(c.isClosedByServer(5000));
        }
        assertEquals(2, cp.get("/api/v1/links", cp.adminKey).json.get("items").size(), "what came after the junk is not run");
        assertEquals(before + 1, cp.metric("bounce_api_connections_dropped_total{reason=\"malformed\"}"));
    }

    @Test
    void aTooLargeBodyBehindPipelinedRequestsIsRefusedAfterThem() throws Exception
    {
        try (Connection c = connect())
        {
            c.send(create(1) + "POST /api/v1/links HTTP/1.1\r\nHost: a.test\r\nContent-Length: 99999999\r\n\r\n");
            assertEquals(201, c.read().status);
            final Response refused = c.read();
            assertEquals(413, refused.status, refused.toString());
        }
    }

    @Test
    void everyAnswerForbidsSniffingAndActiveContent() throws Exception
    {
        try (Connection c = connect())
        {
            c.send(create(1) + "GET /api/v1/links/nope HTTP/1.1\r\nHost: a.test\r\nAuthorization: Bearer " + cp.adminKey + "\r\n\r\n" +
                "GET /api/v1/nothing-here HTTP/1.1\r\nHost: a.test\r\n\r\n" +
                "GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\n\r\n" +
                "GET /api/v1/links HTTP/1.1\r\nHost: a.test\r\n\r\n" +
                "BREW /api/v1/links HTTP/1.1\r\nHost: a.test\r\n\r\n");
            for (int i = 0; i < 6; i++)
            {
                final Response r = c.read();
                assertEquals("nosniff", r.header("x-content-type-options"), r.toString());
                assertEquals("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                    r.header("content-security-policy"), r.toString());
                assertEquals("no-referrer", r.header("referrer-policy"), r.toString());
            }
        }
    }

    @Test
    void echoedInputIsShortAndEscaped() throws Exception
    {
        final String hostile = "<script>alert(1)</script>" + "x".repeat(5000);
        try (Connection c = connect())
        {
            final String path = "/api/v1/links/" + java.net.URLEncoder.encode(hostile, java.nio.charset.StandardCharsets.UTF_8) +
                "?domain=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E";
            final Response r = c.send("GET " + path + " HTTP/1.1\r\nHost: a.test\r\nAuthorization: Bearer " + cp.adminKey + "\r\n\r\n").read();
            assertTrue(r.status >= 400, r.toString());
            assertFalse(r.body.contains("<"), "no raw markup in an answer: " + r.body);
            assertTrue(r.body.length() < 1000, "echoes are cut short: " + r.body.length());
        }
        final ControlPlaneHarness.Answer bad = cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://a.example/\",\"<b>" +
            "y".repeat(3000) + "</b>\":1}");
        assertEquals(400, bad.status);
        assertFalse(bad.raw.body().contains("<"), bad.raw.body());
        assertTrue(bad.raw.body().length() < 1000, "echoes are cut short: " + bad.raw.body().length());
    }

    @Test
    void aFloodWithoutAValidKeyGets429sWhileKeyHoldersFromTheSameAddressAreServed() throws Exception
    {
        cp.close();
        cp = new ControlPlaneHarness(dir.resolve("limited"), "--unauthenticated-per-address-per-second", "2",
            "--unauthenticated-burst-per-address", "10", "--max-connections-per-address", "4");
        int unauthorized = 0;
        int throttled = 0;
        try (Connection c = connect())
        {
            for (int i = 0; i < 100; i++)
            {
                final Response r = c.send("GET /api/v1/links HTTP/1.1\r\nHost: a.test\r\nAuthorization: Bearer bnc_wrong" + i + "\r\n\r\n").read();
                if (r.status == 401)
                {
                    unauthorized++;
                }
                else
                {
                    assertEquals(429, r.status, r.toString());
                    assertTrue(r.body.contains("unauthenticated-rate-limited"), r.body);
                    assertTrue(Integer.parseInt(r.header("retry-after")) >= 1);
                    throttled++;
                }
            }
            final Response withKey = c.send("GET /api/v1/links HTTP/1.1\r\nHost: a.test\r\nAuthorization: Bearer " + cp.adminKey + "\r\n\r\n").read();
            assertEquals(200, withKey.status, "a valid key is never held back by its address's budget");
        }
        assertTrue(unauthorized >= 10 && unauthorized < 10 + 2 * 60, "the burst, then about 2 a second: " + unauthorized);
        assertEquals(throttled, (int)cp.metric("bounce_api_refusals_total{rule=\"unauthenticated-rate-limited\"}"));

        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (cp.metric("bounce_api_connections_open") > 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(10); // until the server has seen the last connection close
        }
        final java.util.List<Connection> hoard = new java.util.ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                final Connection held = connect();
                hoard.add(held);
                // answered, so taken in: connections are admitted on their event loops, in no set order across loops
                assertEquals(200, held.send("GET /api/v1/openapi.json HTTP/1.1\r\nHost: a.test\r\n\r\n").read().status);
            }
            try (Connection fifth = connect())
            {
                assertTrue(fifth.isClosedByServer(5000), "past --max-connections-per-address (port " + fifth.localPort() + ")");
            }
        }
        finally
        {
            for (final Connection c : hoard)
            {
                c.close();
            }
        }
        assertEquals(1.0, cp.metric("bounce_api_connections_refused_total{limit=\"address\"}"));
    }
}
