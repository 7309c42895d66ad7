package io.bounce.replication.tls;

import io.bounce.replication.log.ReplicationFormat;

/**
 * A domain's HTTPS policy. {@code httpsOnly}: the edge answers plain HTTP on this domain with a 308 to the
 * same path on {@code https://}, and its HTTPS answers carry {@code Strict-Transport-Security} with
 * {@code hstsMaxAgeSeconds} and the opt-in {@code includeSubDomains} and {@code preload}.
 * {@code defaultCertificate}: this domain's certificate is the one an edge without {@code --tls-cert} serves
 * to a client that names no domain, or one no certificate covers. {@code removed} (version 3): the domain is
 * gone, and an edge drops every record of it (its certificates, its challenge) with this one.
 */
public record DomainPolicy(long sequence, String domain, boolean httpsOnly, long hstsMaxAgeSeconds, boolean hstsIncludeSubDomains,
    boolean hstsPreload, boolean defaultCertificate, boolean removed) implements TlsRecord
{
    public DomainPolicy(final long sequence, final String domain, final boolean httpsOnly, final long hstsMaxAgeSeconds,
        final boolean hstsIncludeSubDomains, final boolean hstsPreload, final boolean defaultCertificate)
    {
        this(sequence, domain, httpsOnly, hstsMaxAgeSeconds, hstsIncludeSubDomains, hstsPreload, defaultCertificate, false);
    }

    /** @return the record that tells every edge the domain is gone. */
    public static DomainPolicy removal(final long sequence, final String domain)
    {
        return new DomainPolicy(sequence, domain, false, 0, false, false, false, true);
    }

    /** One year: what the HSTS preload list asks for, and the max-age when none is given. */
    public static final long DEFAULT_HSTS_MAX_AGE_SECONDS = 31_536_000L;
    /** Two years: the longest max-age taken. */
    public static final long MAX_HSTS_MAX_AGE_SECONDS = 63_072_000L;

    @Override
    public byte frameType()
    {
        return ReplicationFormat.TYPE_DOMAIN_POLICY;
    }

    @Override
    public String key()
    {
        return "policy." + domain;
    }

    /** @return the {@code Strict-Transport-Security} value this policy sends, or null when it sends none. */
    public String hstsValue()
    {
        if (!httpsOnly)
        {
            return null;
        }
        return "max-age=" + hstsMaxAgeSeconds + (hstsIncludeSubDomains ? "; includeSubDomains" : "") + (hstsPreload ? "; preload" : "");
    }
}
