package io.bounce.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.bounce.runtime.testing.RawHttp.Connection;
import io.bounce.runtime.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An address that enumerates codes or hoards connections is held back, counted, and nobody else notices:
 * floods from 127.0.0.1 while 127.0.0.2 and the flooder's own requests for links that exist carry on.
 */
class EdgeLimitsTest
{
    @TempDir
    Path dir;
    private EdgeHarness edge;

    @BeforeEach
    void start() throws Exception
    {
        final Path tsv = dir.resolve("links.tsv");
        Files.writeString(tsv, "known\thttps://example.com/known\n");
        edge = new EdgeHarness(dir.resolve("data"), "--import", tsv.toString(), "--not-found-per-address-per-second", "5",
            "--not-found-burst-per-address", "20", "--max-connections-per-address", "8");
    }

    @AfterEach
    void stop()
    {
        edge.close();
    }

    private Response get(final Connection c, final String path) throws Exception
    {
        return c.send("GET " + path + " HTTP/1.1\r\nHost: bnc.test\r\n\r\n").read();
    }

    @Test
    void anAddressThatEnumeratesCodesGets429sWhileKnownLinksKeepRedirectingForEveryone() throws Exception
    {
        int notFound = 0;
        int throttled = 0;
        try (Connection flooder = new Connection(edge.port(), "127.0.0.1"); Connection other = new Connection(edge.port(), "127.0.0.2"))
        {
            for (int i = 0; i < 500; i++)
            {
                final Response r = get(flooder, "/guess" + i);
                if (r.status == 404)
                {
                    notFound++;
                }
                else
                {
                    assertEquals(429, r.status, r.toString());
                    assertEquals("1", r.header("Retry-After"));
                    throttled++;
                }
                if (i % 50 == 0)
                {
                    assertEquals(302, get(flooder, "/known").status, "the flooder's own requests for a real link still redirect");
                    assertEquals(302, get(other, "/known").status, "everyone else is untouched");
                }
            }
            assertEquals(404, get(other, "/guess-once").status, "another address has its own budget");
        }
        assertTrue(notFound >= 20 && notFound < 20 + 5 * 60, "the burst and then about 5 a second: " + notFound);
        assertEquals(500, notFound + throttled);
        assertTrue(metrics().contains("bounce_edge_rejections_total{reason=\"not_found_budget\"} " + throttled + ".0"), metrics());
    }

    @Test
    void connectionsPastTheAddressLimitAreRefusedAndCountedWhileOthersAreServed() throws Exception
    {
        final List<Connection> hoard = new ArrayList<>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                final Connection held = new Connection(edge.port(), "127.0.0.1");
                hoard.add(held);
                // answered, so taken in: connections are admitted on their event loops, in no set order across loops
                assertEquals(302, get(held, "/known").status);
            }
            try (Connection ninth = new Connection(edge.port(), "127.0.0.1"))
            {
                assertTrue(ninth.isClosedByServer(5000));
            }
            try (Connection other = new Connection(edge.port(), "127.0.0.2"))
            {
                assertEquals(302, get(other, "/known").status);
            }
            assertEquals(302, get(hoard.get(0), "/known").status, "connections taken in are served as ever");
        }
        finally
        {
            for (final Connection c : hoard)
            {
                c.close();
            }
        }
        assertTrue(metrics().contains("bounce_edge_connections_refused_total{limit=\"address\"} 1.0"), metrics());
    }

    @Test
    void aFloodFromManyConnectionsLeavesKnownLinksServed() throws Exception
    {
        final AtomicBoolean flooding = new AtomicBoolean(true);
        final AtomicInteger answered = new AtomicInteger();
        final List<Thread> flooders = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final int id = t;
            final Thread thread = new Thread(() ->
            {
                try (Connection c = new Connection(edge.port(), "127.0.0.1"))
                {
                    for (int i = 0; flooding.get() && i < 5_000; i++)
                    {
                        get(c, "/f" + id + "x" + i);
                        answered.incrementAndGet();
                    }
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            thread.start();
            flooders.add(thread);
        }
        try
        {
            final HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 50; i++)
            {
                final HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/known")).build(),
                    HttpResponse.BodyHandlers.discarding());
                assertEquals(302, r.statusCode(), "known links redirect while the flood runs");
            }
        }
        finally
        {
            flooding.set(false);
            for (final Thread thread : flooders)
            {
                thread.join(10_000);
            }
        }
        assertTrue(answered.get() > 0);
    }

    private String metrics() throws Exception
    {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }
}
