package io.bounce.edge.clicks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.LocalDate;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a client address into a visitor id: HMAC-SHA256 of the address under a key derived from the
 * fleet secret and the UTC day, cut to 64 bits (16 hex characters). Every edge with the same secret
 * gives the same visitor the same id on the same day, so unique visitors count across a fleet; the
 * key changes daily, so ids do not link one day to the next, and without the secret an id cannot be
 * turned back into an address by trying them all. Owned by the writer thread.
 */
final class VisitorHasher
{
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final byte[] fleetSecret;
    private final Mac mac;
    private long keyDay = Long.MIN_VALUE;

    VisitorHasher(final byte[] fleetSecret)
    {
        this.fleetSecret = fleetSecret.clone();
        try
        {
            this.mac = Mac.getInstance("HmacSHA256");
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Write the 16 hex characters of {@code address}'s visitor id into {@code out} at {@code at}; returns the end. */
    int visitor(final byte[] address, final int length, final long timeMs, final byte[] out, final int at)
    {
        final String id = visitor(address, length, timeMs);
        for (int i = 0; i < 16; i++)
        {
            out[at + i] = (byte)id.charAt(i);
        }
        return at + 16;
    }

    /** @return the visitor id of {@code address} for the day containing {@code timeMs}. */
    String visitor(final byte[] address, final int length, final long timeMs)
    {
        final long day = Math.floorDiv(timeMs, 86_400_000L);
        try
        {
            if (day != keyDay)
            {
                mac.init(new SecretKeySpec(fleetSecret, "HmacSHA256"));
                final byte[] dayKey = mac.doFinal(("bounce-visitor-key:" +
                    LocalDate.ofEpochDay(day)).getBytes(StandardCharsets.US_ASCII));
                mac.init(new SecretKeySpec(dayKey, "HmacSHA256"));
                keyDay = day;
            }
            mac.update(address, 0, length);
            final byte[] digest = mac.doFinal();
            final char[] out = new char[16];
            for (int i = 0; i < 8; i++)
            {
                out[2 * i] = HEX[(digest[i] >> 4) & 0xF];
                out[2 * i + 1] = HEX[digest[i] & 0xF];
            }
            return new String(out);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
