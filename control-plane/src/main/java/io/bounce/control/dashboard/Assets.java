package io.bounce.control.dashboard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import io.bounce.control.api.ApiResponse;

/**
 * The dashboard's static files, read from the jar once at start: the stylesheet, the script, and the vendored chart
 * library (uPlot, with its licence). Each is served at {@code /assets/VERSION/NAME}, VERSION being the first bytes of
 * the SHA-256 of all of them, so a page names the exact files it was written with and a browser may keep them for a
 * year ({@code immutable}): a new release has new URLs. Each is gzipped once here, for clients that take it.
 */
final class Assets
{
    private static final String[] NAMES = {"app.css", "app.js", "uPlot.iife.min.js", "uPlot.min.css", "LICENSE-uPlot.txt"};
    private static final String CACHE = "public, max-age=31536000, immutable";

    private record Asset(String type, byte[] plain, byte[] gzipped)
    {
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private final String version;

    Assets()
    {
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (final String name : NAMES)
            {
                final byte[] bytes = read(name);
                digest.update(bytes);
                assets.put(name, new Asset(type(name), bytes, gzip(bytes)));
            }
            version = HexFormat.of().formatHex(digest.digest(), 0, 6);
        }
        catch (final NoSuchAlgorithmException | IOException ex)
        {
            throw new IllegalStateException("the dashboard's assets cannot be loaded", ex);
        }
    }

    /** @return the path a page links {@code name} at. */
    String url(final String name)
    {
        return "/assets/" + version + "/" + name;
    }

    /** @return the answer for {@code path} under {@code /assets/}, or null when it names no asset of this version. */
    ApiResponse answer(final String path, final boolean gzip)
    {
        final String prefix = "/assets/" + version + "/";
        final Asset asset = path.startsWith(prefix) ? assets.get(path.substring(prefix.length())) : null;
        if (asset == null)
        {
            return null;
        }
        final boolean zipped = gzip && asset.gzipped.length < asset.plain.length;
        final ApiResponse response = new ApiResponse(200, asset.type, zipped ? asset.gzipped : asset.plain)
            .header("Cache-Control", CACHE).header("Vary", "Accept-Encoding");
        return zipped ? response.header("Content-Encoding", "gzip") : response;
    }

    private static String type(final String name)
    {
        if (name.endsWith(".css"))
        {
            return "text/css; charset=utf-8";
        }
        return name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/plain; charset=utf-8";
    }

    private static byte[] read(final String name) throws IOException
    {
        try (InputStream in = Assets.class.getResourceAsStream("assets/" + name))
        {
            if (in == null)
            {
                throw new IOException("assets/" + name + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(final byte[] bytes) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2);
        try (GZIPOutputStream zip = new GZIPOutputStream(out))
        {
            zip.write(bytes);
        }
        return out.toByteArray();
    }
}
