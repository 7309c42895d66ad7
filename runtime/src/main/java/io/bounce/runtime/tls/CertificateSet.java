package io.bounce.runtime.tls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;

/**
 * Which server context answers which name, for one moment: immutable, swapped whole by {@link ServerTls}.
 * The lookup is two hash-map reads (the exact name, then the wildcard one label up) and then the default,
 * so it costs the same with 10 or 100,000 names loaded.
 */
final class CertificateSet
{
    static final CertificateSet EMPTY = new CertificateSet(Map.of(), Map.of(), null, List.of(), Map.of());

    private final Map<String, SslContext> exact;
    /** Keyed by the wildcard's parent: {@code example.com} for {@code *.example.com}. */
    private final Map<String, SslContext> wildcard;
    private final SslContext fallback;
    private final List<ServerCertificate> certificates;
    /** The contexts by the fingerprints they hold, so the next set reuses those whose certificates did not change. */
    private final Map<String, SslContext> contexts;

    private CertificateSet(final Map<String, SslContext> exact, final Map<String, SslContext> wildcard, final SslContext fallback,
        final List<ServerCertificate> certificates, final Map<String, SslContext> contexts)
    {
        this.exact = exact;
        this.wildcard = wildcard;
        this.fallback = fallback;
        this.certificates = certificates;
        this.contexts = contexts;
    }

    /**
     * @param byName      certificates by the name they serve (lower case; {@code *.x} for wildcards), at most one per key type.
     * @param defaults    the default certificates (one per key type), or empty.
     * @param previous    the set this one replaces: contexts for unchanged certificates are taken from it.
     */
    static CertificateSet build(final Map<String, List<ServerCertificate>> byName, final List<ServerCertificate> defaults,
        final CertificateSet previous, final TlsEngine engine, final List<String> alpn) throws SSLException
    {
        final Map<String, SslContext> contexts = new HashMap<>();
        final Map<String, SslContext> exact = new HashMap<>();
        final Map<String, SslContext> wildcard = new HashMap<>();
        // Identity, not equals: a record's equals compares whole chains, and this runs for every name (10,000 and more).
        final Set<ServerCertificate> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        final List<ServerCertificate> ordered = new ArrayList<>(defaults);
        all.addAll(defaults);
        for (final Map.Entry<String, List<ServerCertificate>> entry : byName.entrySet())
        {
            final SslContext context = context(entry.getValue(), previous, contexts, engine, alpn);
            final String name = entry.getKey();
            if (name.startsWith("*."))
            {
                wildcard.put(name.substring(2), context);
            }
            else
            {
                exact.put(name, context);
            }
            for (final ServerCertificate certificate : entry.getValue())
            {
                if (all.add(certificate))
                {
                    ordered.add(certificate);
                }
            }
        }
        final SslContext fallback = defaults.isEmpty() ? null : context(defaults, previous, contexts, engine, alpn);
        return new CertificateSet(exact, wildcard, fallback, List.copyOf(ordered), contexts);
    }

    private static SslContext context(final List<ServerCertificate> certificates, final CertificateSet previous,
        final Map<String, SslContext> contexts, final TlsEngine engine, final List<String> alpn) throws SSLException
    {
        final StringBuilder key = new StringBuilder();
        certificates.forEach(c -> key.append(c.fingerprint()).append('/'));
        final String id = key.toString();
        SslContext context = contexts.get(id);
        if (context == null)
        {
            context = previous.contexts.get(id);
        }
        if (context == null)
        {
            context = TlsContexts.server(certificates, engine, alpn);
        }
        contexts.put(id, context);
        return context;
    }

    /** @return the context for {@code host} (lower case, or null when the client sent no name), or null for none. */
    SslContext select(final String host)
    {
        if (host == null)
        {
            return fallback;
        }
        SslContext context = exact.get(host);
        if (context == null)
        {
            final int dot = host.indexOf('.');
            if (dot > 0)
            {
                context = wildcard.get(host.substring(dot + 1));
            }
        }
        return context != null ? context : fallback;
    }

    /** @return every distinct context of the set. */
    java.util.Collection<SslContext> contexts()
    {
        return contexts.values();
    }

    boolean hasDefault()
    {
        return fallback != null;
    }

    /** @return every certificate loaded, the defaults first. */
    List<ServerCertificate> certificates()
    {
        return certificates;
    }
}
