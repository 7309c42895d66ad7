package io.bounce.runtime.tls;

import java.util.Locale;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation terminates connections. BoringSSL (through {@code netty-tcnative-boringssl-static})
 * is the default wherever its native library loads: the edge-vs-nginx TLS bench measured it well ahead of
 * the JDK's provider on full handshakes and on record encryption (bench/README.md). The JDK's provider is
 * the fallback for platforms without the native library.
 */
public enum TlsEngine
{
    /** BoringSSL through netty-tcnative. */
    OPENSSL(SslProvider.OPENSSL),
    /** The JDK's own SSLEngine. */
    JDK(SslProvider.JDK);

    private final SslProvider provider;

    TlsEngine(final SslProvider provider)
    {
        this.provider = provider;
    }

    SslProvider provider()
    {
        return provider;
    }

    /**
     * @param name {@code auto} (BoringSSL if it loads, else the JDK's), {@code openssl} or {@code jdk}.
     * @throws IllegalArgumentException for another name, or {@code openssl} where it cannot load.
     */
    public static TlsEngine parse(final String name)
    {
        switch (name.toLowerCase(Locale.ROOT))
        {
            case "auto":
                return OpenSsl.isAvailable() ? OPENSSL : JDK;
            case "openssl":
            case "boringssl":
                if (!OpenSsl.isAvailable())
                {
                    throw new IllegalArgumentException("--tls-engine openssl: the native library does not load here (" +
                        OpenSsl.unavailabilityCause() + "); use auto or jdk");
                }
                return OPENSSL;
            case "jdk":
                return JDK;
            default:
                throw new IllegalArgumentException("--tls-engine must be auto, openssl or jdk, not " + name);
        }
    }
}
