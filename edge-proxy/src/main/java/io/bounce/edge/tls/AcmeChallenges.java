package io.bounce.edge.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.bounce.replication.tls.AcmeChallenge;
import io.netty.buffer.ByteBuf;

/**
 * The ACME challenges the edge answers, built whole from the change log's {@link AcmeChallenge} records and
 * swapped in by one reference: HTTP-01 tokens for the redirect path, and the TLS-ALPN-01 digests for the
 * HTTPS port ({@link #alpnDigests()}). Immutable; any thread.
 */
public final class AcmeChallenges
{
    /** The HTTP-01 path prefix (RFC 8555 section 8.3). */
    public static final String PATH_PREFIX = "/.well-known/acme-challenge/";
    public static final AcmeChallenges EMPTY = new AcmeChallenges(Map.of(), Map.of());

    private static final byte[] PREFIX = PATH_PREFIX.getBytes(StandardCharsets.US_ASCII);

    /** What one HTTP-01 token answers, for which domain, until when. */
    record Answer(String domain, byte[] body, long expiresAtMs)
    {
    }

    private final Map<String, Answer> byToken;
    private final Map<String, byte[]> alpnDigests;

    private AcmeChallenges(final Map<String, Answer> byToken, final Map<String, byte[]> alpnDigests)
    {
        this.byToken = byToken;
        this.alpnDigests = alpnDigests;
    }

    /** @return the challenges of the records live at {@code nowMs}. */
    static AcmeChallenges of(final List<AcmeChallenge> records, final long nowMs)
    {
        final Map<String, Answer> byToken = new HashMap<>();
        final Map<String, byte[]> digests = new HashMap<>();
        for (final AcmeChallenge record : records)
        {
            if (record.liveAt(nowMs))
            {
                final byte[] body = record.keyAuthorization().getBytes(StandardCharsets.US_ASCII);
                byToken.put(record.token(), new Answer(record.domain(), body, record.expiresAtMs()));
                digests.put(record.domain(), sha256(body));
            }
        }
        return byToken.isEmpty() ? EMPTY : new AcmeChallenges(Map.copyOf(byToken), Map.copyOf(digests));
    }

    public boolean isEmpty()
    {
        return byToken.isEmpty();
    }

    public int size()
    {
        return byToken.size();
    }

    /** @return the SHA-256 of each live challenge's key authorization, by domain: what TLS-ALPN-01 answers. */
    public Map<String, byte[]> alpnDigests()
    {
        return alpnDigests;
    }

    /** @return true if the path ({@code in} from {@code start} to {@code end}) is under {@link #PATH_PREFIX}. */
    public static boolean isChallengePath(final ByteBuf in, final int start, final int end)
    {
        if (end - start <= PREFIX.length)
        {
            return false;
        }
        for (int i = 0; i < PREFIX.length; i++)
        {
            if (in.getByte(start + i) != PREFIX[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param domain the domain the request was made for (its Host, lower case).
     * @param token  the path's last segment.
     * @return the key authorization to answer with, or null when no live challenge of that domain has that token.
     */
    public byte[] answer(final String domain, final String token, final long nowMs)
    {
        final Answer answer = byToken.get(token);
        return answer != null && answer.domain().equals(domain) && nowMs < answer.expiresAtMs() ? answer.body() : null;
    }

    private static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
