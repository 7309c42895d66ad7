package io.bounce.edge.rules;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.bounce.edge.clicks.SipHash;
import io.netty.buffer.ByteBuf;

/**
 * The pass a visitor earns by giving a link's password: a cookie {@code bounce_pass=EXPIRY.MAC}, EXPIRY in epoch seconds
 * and MAC the SipHash-2-4 (16 hex digits) of the expiry, the link's domain and code and its password hash, under a key
 * derived from the fleet secret. So any edge of the fleet takes a pass another made, a pass opens one link only, and it
 * stops opening it when it expires or the password changes. Checking one is a few hundred nanoseconds and allocates
 * nothing. One per event loop.
 *
 * <p>Without a fleet secret (no click or replication token) the key is random: a pass then opens its link on the edge
 * that made it, until it restarts.
 */
public final class PasswordPass
{
    /** The cookie's name and '='. */
    public static final String COOKIE = "bounce_pass=";
    private static final int MAX_HASH_BYTES = 256;

    private final long k0;
    private final long k1;
    private final SipHash sipHash = new SipHash();
    private final byte[] input;

    /** @param maxKeyBytes the longest {@code domain/code} key. */
    public PasswordPass(final byte[] key, final int maxKeyBytes)
    {
        this.k0 = SipHash.littleEndian(key, 0, 8);
        this.k1 = SipHash.littleEndian(key, 8, 8);
        this.input = new byte[8 + maxKeyBytes + MAX_HASH_BYTES];
    }

    /** @return the 16-byte pass key of a fleet secret, or a random one when there is none. */
    public static byte[] passKey(final String fleetSecret)
    {
        if (fleetSecret == null || fleetSecret.isEmpty())
        {
            final byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            return random;
        }
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("bounce:" + fleetSecret).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal("bounce-password-pass".getBytes(StandardCharsets.US_ASCII)), 16);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the MAC of a pass for the link {@code key[0, keyLength)} with the hash {@code record[hashAt, +hashLength)}. */
    public long mac(final long expirySeconds, final byte[] key, final int keyLength, final byte[] record, final int hashAt, final int hashLength)
    {
        final int hashBytes = Math.min(hashLength, MAX_HASH_BYTES);
        for (int i = 0; i < 8; i++)
        {
            input[i] = (byte)(expirySeconds >>> (8 * i));
        }
        System.arraycopy(key, 0, input, 8, keyLength);
        System.arraycopy(record, hashAt, input, 8 + keyLength, hashBytes);
        return sipHash.hash(k0, k1, input, 0, 8 + keyLength + hashBytes);
    }

    /** @return a bucket key for the link {@code key[0, keyLength)} (its budget of checks), unguessable without the key. */
    public long linkBucket(final byte[] key, final int keyLength)
    {
        return sipHash.hash(k1, k0, key, 0, keyLength);
    }

    /** @return the cookie's value for a pass that expires at {@code expirySeconds}. */
    public static String value(final long expirySeconds, final long mac)
    {
        final String hex = Long.toHexString(mac);
        return expirySeconds + "." + "0".repeat(16 - hex.length()) + hex;
    }

    /**
     * @param cookieStart the Cookie header's value in {@code in} ({@code -1} when there is none).
     * @return true if one of its {@code bounce_pass} cookies is a pass for this link and password that has not expired.
     */
    public boolean isValid(final ByteBuf in, final int cookieStart, final int cookieEnd, final byte[] key, final int keyLength,
        final byte[] record, final int hashAt, final int hashLength, final long nowSeconds, final int maxAgeSeconds)
    {
        if (cookieStart < 0)
        {
            return false;
        }
        int p = cookieStart;
        while (p < cookieEnd)
        {
            while (p < cookieEnd && (in.getByte(p) == ' ' || in.getByte(p) == ';'))
            {
                p++;
            }
            int end = p;
            while (end < cookieEnd && in.getByte(end) != ';')
            {
                end++;
            }
            if (startsWith(in, p, end, COOKIE) && isValidValue(in, p + COOKIE.length(), end, key, keyLength, record, hashAt, hashLength, nowSeconds,
                maxAgeSeconds))
            {
                return true;
            }
            p = end;
        }
        return false;
    }

    private boolean isValidValue(final ByteBuf in, final int start, final int end, final byte[] key, final int keyLength, final byte[] record,
        final int hashAt, final int hashLength, final long nowSeconds, final int maxAgeSeconds)
    {
        long expiry = 0;
        int p = start;
        for (; p < end && p - start < 12 && in.getByte(p) >= '0' && in.getByte(p) <= '9'; p++)
        {
            expiry = expiry * 10 + in.getByte(p) - '0';
        }
        if (p == start || p >= end || in.getByte(p) != '.' || end - p - 1 != 16 || expiry <= nowSeconds || expiry > nowSeconds + maxAgeSeconds)
        {
            return false;
        }
        long mac = 0;
        for (int i = p + 1; i < end; i++)
        {
            final int digit = Character.digit(in.getByte(i), 16);
            if (digit < 0)
            {
                return false;
            }
            mac = mac << 4 | digit;
        }
        return mac == mac(expiry, key, keyLength, record, hashAt, hashLength); // a timing difference tells nothing of the next guess's MAC
    }

    /** @return whether {@code in[start, end)} begins with {@code ascii}, exactly (case counts). */
    public static boolean startsWith(final ByteBuf in, final int start, final int end, final String ascii)
    {
        if (end - start < ascii.length())
        {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++)
        {
            if (in.getByte(start + i) != ascii.charAt(i))
            {
                return false;
            }
        }
        return true;
    }
}
