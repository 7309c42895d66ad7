package io.bounce.runtime.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslCredentialBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

/**
 * How Bounce configures a TLS server context, in one place: TLS 1.3 and 1.2 only, forward-secret AEAD
 * suites only (the ones Mozilla's "intermediate" profile lists), ALPN, a session cache and session
 * tickets, and no early data (0-RTT is never enabled: a replayed early request would be answered, and
 * its click counted, twice).
 */
public final class TlsContexts
{
    /** The protocol versions offered; TLS 1.1 and older are refused in the handshake. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** TLS 1.3's suites, then TLS 1.2's ECDHE + AEAD suites, ECDSA before RSA, AES-GCM before ChaCha20. */
    public static final List<String> CIPHERS = List.of(
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** Sessions kept for resumption by session id, per context, and how long a session may be resumed. */
    static final long SESSION_CACHE_SIZE = 20_480;
    static final long SESSION_TIMEOUT_S = 300;

    private static final char[] STORE_PASSWORD = "in-memory".toCharArray();
    private static final TrustManagerFactory NO_CLIENT_ISSUERS = emptyTrust();

    private TlsContexts()
    {
    }

    private static TrustManagerFactory emptyTrust()
    {
        try
        {
            final KeyStore empty = KeyStore.getInstance("JKS");
            empty.load(null, null);
            final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(empty);
            return factory;
        }
        catch (final GeneralSecurityException | java.io.IOException ex)
        {
            throw new IllegalStateException("an empty trust store is part of every JDK: " + ex.getMessage(), ex);
        }
    }

    private static KeyManagerFactory keyManagers(final List<ServerCertificate> certificates, final TlsEngine engine) throws SSLException
    {
        try
        {
            // In memory only, and JKS: PKCS#12 seals each key with 10,000 rounds of PBKDF2 on the way in and again on
            // the way out, 30 ms of CPU per certificate, which made loading 1,000 domains take 31 s (SniScaleBench).
            final KeyStore store = KeyStore.getInstance("JKS");
            store.load(null, null);
            int i = 0;
            for (final ServerCertificate certificate : certificates)
            {
                store.setKeyEntry("key-" + i++, certificate.key(), STORE_PASSWORD, certificate.chain().toArray(new X509Certificate[0]));
            }
            final KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, STORE_PASSWORD);
            // BoringSSL wants the key material as native objects: the caching factory converts each key once, not per handshake.
            return engine == TlsEngine.OPENSSL ? new OpenSslCachingX509KeyManagerFactory(factory) : factory;
        }
        catch (final GeneralSecurityException | java.io.IOException ex)
        {
            throw new SSLException("cannot hold the certificate's key: " + ex.getMessage(), ex);
        }
    }

    /**
     * A server context holding one or more certificates (at most one per key type: the handshake picks
     * the one the client supports, ECDSA or RSA).
     *
     * @param alpn the application protocols to offer, most preferred first.
     */
    public static SslContext server(final List<ServerCertificate> certificates, final TlsEngine engine, final List<String> alpn)
        throws SSLException
    {
        final SslContextBuilder builder;
        final List<OpenSslCredential> credentials = new ArrayList<>();
        if (engine == TlsEngine.OPENSSL && (certificates.size() == 1 || OpenSslCredential.isAvailable()))
        {
            // With BoringSSL, Netty always hands the key over from a KeyManager inside each handshake; the caching
            // factory keeps it in native form, where a plain one converted the key and chain again every time. And
            // Netty picks that one key by the server's cipher order, not the client's, so a second key type is
            // a BoringSSL credential: BoringSSL then picks, per handshake, the one the client can verify.
            builder = SslContextBuilder.forServer(keyManagers(certificates.subList(0, 1), engine));
            for (final ServerCertificate other : certificates.subList(1, certificates.size()))
            {
                final OpenSslCredential credential =
                    OpenSslCredentialBuilder.forX509(other.key(), other.chain().toArray(new X509Certificate[0])).build();
                credentials.add(credential);
                builder.addCredential(credential);
            }
        }
        else
        {
            builder = SslContextBuilder.forServer(keyManagers(certificates, engine));
        }
        if (engine == TlsEngine.OPENSSL)
        {
            // The handshake runs inline on the event loop rather than as a delegated task: a handshake is
            // CPU work the loop would wait for anyway, and the task adds objects and a second pass per step.
            builder.option(OpenSslContextOption.USE_TASKS, false);
        }
        try
        {
            return builder
                // No client certificates are asked for: an empty trust store, or Netty loads the JDK's ~140 CAs into
                // every context as acceptable client issuers (20 ms and 140 KB of native memory per certificate).
                .trustManager(NO_CLIENT_ISSUERS)
                .sslProvider(engine.provider())
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(SESSION_CACHE_SIZE)
                .sessionTimeout(SESSION_TIMEOUT_S)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                alpn))
                .build();
        }
        finally
        {
            credentials.forEach(OpenSslCredential::release); // the context holds its own reference to each
        }
    }
}
