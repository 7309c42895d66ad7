package io.bounce.runtime.tls;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLException;

import io.bounce.runtime.admin.Metrics;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server port's TLS: the certificates it holds, chosen per connection by the name the client asks for
 * (SNI: the exact name, then a wildcard one label up, then the default), and the counters of its
 * handshakes. Certificates come from sources (the files given on the command line, a directory, the
 * change log), each replaced whole with {@link #replace}; the next handshake sees the new set, and
 * connections already open keep the certificate they began with.
 *
 * <p>Thread safety: {@link #replace} and {@link #setDefault} are serialised; handshakes read the current
 * set through one volatile reference and never wait.
 */
public final class ServerTls
{
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /** How long a client has to finish its handshake, from its first byte, in ms. */
    static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    /** The largest ClientHello read to find the name (a post-quantum key share makes them 1.5-2 KiB). */
    static final int MAX_CLIENT_HELLO_BYTES = 16_384;

    private final TlsEngine engine;
    private final List<String> alpn;
    private final Map<String, List<ServerCertificate>> sources = new LinkedHashMap<>();
    private List<ServerCertificate> defaults = List.of();
    private volatile CertificateSet current = CertificateSet.EMPTY;
    private volatile Map<String, Instant> notAfterByName = Map.of();
    /** TLS-ALPN-01 answers by domain: contexts offering only {@code acme-tls/1}, each with its challenge certificate. */
    private volatile Map<String, SslContext> acmeChallenges = Map.of();
    /** The digest each of {@link #acmeChallenges} was made for: a challenge published again keeps its context. */
    private Map<String, byte[]> acmeDigests = Map.of();
    /** Shared session-ticket keys, the first the one that seals; empty: each context's own random keys. */
    private OpenSslSessionTicketKey[] ticketKeys = new OpenSslSessionTicketKey[0];

    private final String name;
    final Counter handshakes;
    final Counter failures;
    private final HandshakeRecorder recorder;

    /**
     * @param name the port's name in metrics ({@code edge}, {@code api}).
     * @param alpn the application protocols offered, most preferred first.
     */
    public ServerTls(final String name, final TlsEngine engine, final List<String> alpn)
    {
        this.name = name;
        this.engine = engine;
        this.alpn = List.copyOf(alpn);
        this.handshakes = Counter.builder().name("bounce_tls_handshakes_total")
            .help("TLS handshakes completed, by protocol version, cipher suite and whether the session was resumed.")
            .labelNames("server", "version", "cipher", "resumed").build();
        this.failures = Counter.builder().name("bounce_tls_handshake_failures_total")
            .help("TLS handshakes that failed, by reason (unrecognized_name: no certificate for the name asked and no default).")
            .labelNames("server", "reason").build();
        this.recorder = new HandshakeRecorder(this);
        for (final String reason : HandshakeRecorder.REASONS)
        {
            failures.labelValues(name, reason); // every reason at 0 from the start, so rate() and alerts see them
        }
    }

    /** @return the port's name in metrics. */
    String serverName()
    {
        return name;
    }

    public TlsEngine engine()
    {
        return engine;
    }

    /** Export the handshake counters and the certificates' gauges into {@code registry}. */
    public void register(final PrometheusRegistry registry)
    {
        registry.register(handshakes);
        registry.register(failures);
        Metrics.gauge(registry, "bounce_tls_certificates_loaded", "Certificates the TLS port holds, defaults included.",
            () -> current.certificates().size());
        registry.register(GaugeWithCallback.builder().name("bounce_tls_certificate_not_after_seconds")
            .help("Expiry of the certificate served for each name (Unix time; the earliest where two key types are held).")
            .labelNames("domain")
            .callback(callback -> notAfterByName.forEach((domain, notAfter) -> callback.call(notAfter.getEpochSecond(), domain)))
            .build());
    }

    /** The certificates served when the client names no domain, or one no other certificate covers; one per key type. */
    public synchronized void setDefault(final List<ServerCertificate> certificates) throws SSLException
    {
        defaults = List.copyOf(certificates);
        rebuild();
    }

    /** Replace every certificate that came from {@code source} (the names are each certificate's own). */
    public synchronized void replace(final String source, final List<ServerCertificate> certificates) throws SSLException
    {
        sources.put(source, List.copyOf(certificates));
        rebuild();
    }

    /**
     * Seal and open session tickets with these keys (48 bytes each: name, HMAC key, AES key), in every context
     * now and every one made later. Only BoringSSL takes them; with the JDK's engine each edge keeps its own.
     */
    public synchronized void setTicketKeys(final List<byte[]> keys)
    {
        final OpenSslSessionTicketKey[] converted = new OpenSslSessionTicketKey[keys.size()];
        for (int i = 0; i < converted.length; i++)
        {
            final byte[] key = keys.get(i);
            converted[i] = new OpenSslSessionTicketKey(Arrays.copyOfRange(key, 0, 16), Arrays.copyOfRange(key, 16, 32),
                Arrays.copyOfRange(key, 32, 48));
        }
        ticketKeys = converted;
        if (engine != TlsEngine.OPENSSL)
        {
            LOG.warn("TLS: session-ticket keys are shared only with the openssl engine; this edge keeps its own");
            return;
        }
        applyTicketKeys(current);
    }

    private void applyTicketKeys(final CertificateSet set)
    {
        if (ticketKeys.length == 0)
        {
            return;
        }
        for (final SslContext context : set.contexts())
        {
            if (context.sessionContext() instanceof OpenSslSessionContext)
            {
                ((OpenSslSessionContext)context.sessionContext()).setTicketKeys(ticketKeys);
            }
        }
    }

    /** @return true if a handshake with no name, or an unknown one, gets a certificate. */
    public boolean hasDefault()
    {
        return current.hasDefault();
    }

    /** @return every certificate held now, the defaults first. */
    public List<ServerCertificate> certificates()
    {
        return current.certificates();
    }

    /**
     * Put this port's TLS at the front of {@code pipeline}, behind a PROXY protocol decoder named
     * {@code proxy-protocol} if the role has one (the load balancer's header comes before the ClientHello).
     */
    public void install(final ChannelPipeline pipeline)
    {
        final SniSelector sni = new SniSelector(this);
        if (pipeline.get("proxy-protocol") != null)
        {
            pipeline.addAfter("proxy-protocol", "tls", sni);
            pipeline.addAfter("tls", "tls-handshakes", recorder);
        }
        else
        {
            pipeline.addFirst("tls-handshakes", recorder);
            pipeline.addFirst("tls", sni);
        }
    }

    /**
     * Answer ACME TLS-ALPN-01 challenges for these domains (the SHA-256 of each key authorization), replacing
     * the ones held: a handshake naming one of them and offering {@code acme-tls/1} gets its challenge
     * certificate; every other handshake is served as before.
     */
    public synchronized void setAcmeChallenges(final Map<String, byte[]> digestsByDomain) throws SSLException
    {
        final Map<String, SslContext> contexts = new HashMap<>();
        for (final Map.Entry<String, byte[]> entry : digestsByDomain.entrySet())
        {
            final byte[] before = acmeDigests.get(entry.getKey());
            if (before != null && Arrays.equals(before, entry.getValue()))
            {
                contexts.put(entry.getKey(), acmeChallenges.get(entry.getKey())); // made for this challenge already
                continue;
            }
            try
            {
                contexts.put(entry.getKey(), TlsContexts.server(List.of(AcmeTlsAlpn.certificate(entry.getKey(), entry.getValue())), engine,
                    List.of(AcmeTlsAlpn.PROTOCOL)));
            }
            catch (final java.security.GeneralSecurityException ex)
            {
                throw new SSLException("no TLS-ALPN-01 certificate for " + entry.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        acmeChallenges = Map.copyOf(contexts);
        acmeDigests = Map.copyOf(digestsByDomain);
    }

    /** @return true while some TLS-ALPN-01 challenge is held (only then does a ClientHello get looked into for it). */
    boolean hasAcmeChallenges()
    {
        return !acmeChallenges.isEmpty();
    }

    /** @return the TLS-ALPN-01 context for a name, or null. */
    SslContext acmeChallenge(final String host)
    {
        return host == null ? null : acmeChallenges.get(host);
    }

    /** The context for a name, or null: what {@link SniSelector} asks. */
    SslContext select(final String host)
    {
        return current.select(host);
    }

    private void rebuild() throws SSLException
    {
        final Map<String, List<ServerCertificate>> byName = new HashMap<>();
        final Instant now = Instant.now();
        for (final List<ServerCertificate> list : sources.values())
        {
            for (final ServerCertificate certificate : list)
            {
                for (final String name : certificate.names())
                {
                    byName.put(name, pick(byName.get(name), certificate, now));
                }
            }
        }
        final CertificateSet next = CertificateSet.build(byName, defaults, current, engine, alpn);
        applyTicketKeys(next);
        final Map<String, Instant> expiry = new HashMap<>();
        byName.forEach((name, list) -> expiry.put(name, list.stream().map(ServerCertificate::notAfter).min(Instant::compareTo).orElseThrow()));
        current = next;
        notAfterByName = Map.copyOf(expiry);
        LOG.info("TLS: {} certificates for {} names{}", next.certificates().size(), byName.size(),
            next.hasDefault() ? ", with a default" : ", no default");
    }

    /** Keep one certificate per key type for a name: the one valid now that lasts longest. */
    private static List<ServerCertificate> pick(final List<ServerCertificate> held, final ServerCertificate offered, final Instant now)
    {
        final List<ServerCertificate> result = new ArrayList<>(held == null ? List.of() : held);
        for (int i = 0; i < result.size(); i++)
        {
            final ServerCertificate other = result.get(i);
            if (other.keyType().equals(offered.keyType()))
            {
                if (better(offered, other, now))
                {
                    result.set(i, offered);
                }
                return result;
            }
        }
        result.add(offered);
        return result;
    }

    private static boolean better(final ServerCertificate a, final ServerCertificate b, final Instant now)
    {
        if (a.expiredAt(now) != b.expiredAt(now))
        {
            return !a.expiredAt(now);
        }
        return a.notAfter().isAfter(b.notAfter());
    }
}
