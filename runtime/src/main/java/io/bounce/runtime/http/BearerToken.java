package io.bounce.runtime.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A shared secret that edges present as {@code Authorization: Bearer <token>} (to follow the change
 * log, to ship click files). Only its SHA-256 is kept, and a presented token is compared with
 * {@link MessageDigest#isEqual} on digests of equal length: constant time, whatever was sent.
 */
public final class BearerToken
{
    private final byte[] digest;

    public BearerToken(final String token)
    {
        if (token == null || token.isEmpty())
        {
            throw new IllegalArgumentException("a token is required");
        }
        this.digest = sha256(token);
    }

    /** @return true if {@code authorization} (an Authorization header, or null) carries this token. */
    public boolean matches(final String authorization)
    {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) &&
            MessageDigest.isEqual(digest, sha256(authorization.substring(7).trim()));
    }

    private static byte[] sha256(final String secret)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
