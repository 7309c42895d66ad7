package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLHandshakeException;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.ops.cli.BounceCtl;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.tls.DevelopmentCa;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between the parts of Bounce: a control plane serving its API, change log and click ingest over HTTPS
 * only; an edge that follows it and ships clicks to it, trusting its CA; bouncectl trusting it with --ca and
 * refusing it without.
 */
class InternalTlsSystemTest
{
    @TempDir
    Path dir;

    @Test
    void edgeFollowsAndShipsClicksToAControlPlaneOverHttpsTrustingItsCa() throws Exception
    {
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        DevelopmentCa.write(dir.resolve("tls"), "control", ca.issue(List.of("localhost", "127.0.0.1"), "EC", Duration.ofDays(30)));
        final Path caFile = ca.caFile();
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"), "--tls-cert", dir.resolve("tls/control.pem").toString(),
            "--tls-key", dir.resolve("tls/control.key").toString()))
        {
            final String api = "https://localhost:" + cp.address().getPort();
            final HttpClient trusting = HttpClient.newBuilder().sslContext(ClientTrust.trusting(caFile)).build();
            final HttpResponse<String> created = Stack.call(trusting, "POST", api + "/api/v1/links", Stack.adminKey(cp),
                "{\"url\":\"https://example.com/tls\",\"alias\":\"over-tls\"}");
            assertEquals(201, created.statusCode(), created.body());

            // Plain HTTP and an untrusted client get nothing from the port.
            assertThrows(java.io.IOException.class,
                () -> Stack.call("GET", "http://127.0.0.1:" + cp.address().getPort() + "/api/v1/links", Stack.adminKey(cp), null));
            assertThrows(SSLHandshakeException.class,
                () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api + "/api/v1/links")).build(),
                    HttpResponse.BodyHandlers.ofString()));

            try (EdgeNode edge = Stack.edge(dir.resolve("edge"), api, cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--control-plane-ca", caFile.toString(), "--click-rotate-ms", "200"))
            {
                Stack.await("the edge follows the change log over HTTPS", 20_000, () -> edge.replica().get("localhost", "over-tls") != null);
                assertEquals("302 https://example.com/tls", Stack.redirect(edge, "over-tls"));
                Stack.await("the click shipped over HTTPS is counted", 30_000, () ->
                {
                    try
                    {
                        final JsonNode report = Stack.JSON.readTree(Stack.call(trusting, "GET", api + "/api/v1/links/over-tls/analytics",
                            Stack.adminKey(cp), null).body());
                        return report.get("clicks").asLong() + report.get("botClicks").asLong() == 1;
                    }
                    catch (final Exception ex)
                    {
                        return false;
                    }
                });
            }

            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            assertEquals(0, BounceCtl.run(new String[] {"--api", api, "--key", Stack.adminKey(cp), "--ca", caFile.toString(),
                "links", "get", "over-tls"}, new PrintWriter(out), new PrintWriter(err)), err.toString());
            assertTrue(out.toString().contains("https://example.com/tls"), out.toString());
            final StringWriter refused = new StringWriter();
            assertEquals(1, BounceCtl.run(new String[] {"--api", api, "--key", Stack.adminKey(cp), "links", "get", "over-tls"},
                new PrintWriter(new StringWriter()), new PrintWriter(refused)));
            assertTrue(refused.toString().contains("cannot trust " + api) && refused.toString().contains("--ca"), refused.toString());
        }
    }
}
