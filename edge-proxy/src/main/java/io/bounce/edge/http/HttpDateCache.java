package io.bounce.edge.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date:} header line (RFC 9110 6.6.1: an origin server with a clock must send one on
 * 2xx-4xx answers), formatted once a second. Owned by one event loop thread.
 */
final class HttpDateCache
{
    private static final DateTimeFormatter IMF_FIXDATE =
        DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private long second = Long.MIN_VALUE;
    private byte[] line;

    /** @return {@code Date: <IMF-fixdate>\r\n} for {@code nowMs}. */
    byte[] line(final long nowMs)
    {
        final long s = Math.floorDiv(nowMs, 1000);
        if (s != second)
        {
            second = s;
            line = ("Date: " + IMF_FIXDATE.format(Instant.ofEpochSecond(s)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
        return line;
    }
}
