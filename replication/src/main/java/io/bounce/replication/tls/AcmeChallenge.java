package io.bounce.replication.tls;

import io.bounce.replication.log.ReplicationFormat;

/**
 * The ACME challenge a domain's order waits on, for every edge to answer whichever of them the CA's validator
 * reaches: {@code GET /.well-known/acme-challenge/TOKEN} on the HTTP port answers {@code keyAuthorization}
 * (HTTP-01, RFC 8555 section 8.3), and a TLS handshake for the domain that offers only the {@code acme-tls/1}
 * protocol gets a self-signed certificate carrying the key authorization's SHA-256 (TLS-ALPN-01, RFC 8737),
 * which each edge makes for itself. Nothing here is secret: the CA fetches the same bytes over plain HTTP.
 *
 * <p>One per domain; a record with an empty token withdraws it (the order ended), and an edge ignores one
 * past {@code expiresAtMs} in any case.
 */
public record AcmeChallenge(long sequence, String domain, String token, String keyAuthorization, long expiresAtMs) implements TlsRecord
{
    /** The longest token taken (Let's Encrypt's are 43 characters of base64url). */
    public static final int MAX_TOKEN_LENGTH = 128;
    /** The longest key authorization taken: a token, a dot and a 43-character JWK thumbprint. */
    public static final int MAX_KEY_AUTHORIZATION_LENGTH = 256;

    public AcmeChallenge
    {
        if (token.length() > MAX_TOKEN_LENGTH || !token.matches("[A-Za-z0-9_-]*"))
        {
            throw new IllegalArgumentException("an ACME token is up to " + MAX_TOKEN_LENGTH + " characters of base64url");
        }
        if (keyAuthorization.length() > MAX_KEY_AUTHORIZATION_LENGTH || !keyAuthorization.matches("[A-Za-z0-9_.-]*") ||
            (!token.isEmpty() && !keyAuthorization.startsWith(token + ".")))
        {
            throw new IllegalArgumentException("a key authorization is the token, a dot and a thumbprint, in base64url");
        }
    }

    /** @return a record that withdraws the domain's challenge. */
    public static AcmeChallenge withdrawn(final long sequence, final String domain)
    {
        return new AcmeChallenge(sequence, domain, "", "", 0);
    }

    /** @return true while the challenge is there to be answered at {@code nowMs}. */
    public boolean liveAt(final long nowMs)
    {
        return !token.isEmpty() && nowMs < expiresAtMs;
    }

    @Override
    public byte frameType()
    {
        return ReplicationFormat.TYPE_ACME_CHALLENGE;
    }

    @Override
    public String key()
    {
        return "acme." + domain;
    }
}
