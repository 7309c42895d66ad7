package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import io.bounce.control.ControlPlaneHarness.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/links/{code}/qr}: the short URL as a QR code, read back with ZXing's decoder. */
class QrCodeApiTest
{
    @TempDir
    Path dir;

    private ControlPlaneHarness cp;
    private final HttpClient http = HttpClient.newHttpClient();

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

    private HttpResponse<byte[]> qr(final String code, final String query, final String key) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(cp.base() + "/api/v1/links/" + code + "/qr" + query))
            .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void theQrCodeReadsBackAsTheLinksShortUrlInBothFormats() throws Exception
    {
        final Answer created = cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://example.com/menu\",\"alias\":\"menu\"}");
        final String shortUrl = created.text("shortUrl");

        final HttpResponse<byte[]> svg = qr("menu", "", cp.adminKey);
        assertEquals(200, svg.statusCode());
        assertEquals("image/svg+xml", svg.headers().firstValue("Content-Type").orElse(null));
        assertEquals(shortUrl, QrDecode.svg(svg.body()));
        assertTrue(svg.headers().firstValue("Cache-Control").orElse("").startsWith("private"), "kept by this client only");
        assertTrue(new String(svg.body()).contains("width=\"512\""), "512 by default");

        final HttpResponse<byte[]> png = qr("menu", "?format=png&size=300&margin=2", cp.adminKey);
        assertEquals(200, png.statusCode());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(null));
        assertEquals(shortUrl, QrDecode.png(png.body()));
        final java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png.body()));
        assertTrue(image.getWidth() <= 300 && image.getWidth() > 200, "a whole number of pixels a module, at most the size asked: " +
            image.getWidth());
    }

    @Test
    void badParametersAndOtherKeysLinksAreRefusedAsForTheLinkItself() throws Exception
    {
        cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://example.com/a\",\"alias\":\"admins\"}");
        assertEquals(400, qr("admins", "?format=gif", cp.adminKey).statusCode());
        assertEquals(400, qr("admins", "?size=10", cp.adminKey).statusCode());
        assertEquals(400, qr("admins", "?margin=99", cp.adminKey).statusCode());
        assertEquals(400, qr("admins", "?colour=red", cp.adminKey).statusCode(), "unknown parameters are refused");
        assertEquals(404, qr("nothing-here", "", cp.adminKey).statusCode());
        final String other = cp.newKey("other", "[\"links:read\",\"links:write\"]", null);
        assertEquals(404, qr("admins", "", other).statusCode(), "another key's link is not there for this key");
        assertEquals(401, qr("admins", "", "bnc_not-a-key").statusCode());
    }
}
