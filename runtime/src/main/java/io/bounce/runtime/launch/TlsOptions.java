package io.bounce.runtime.launch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.bounce.runtime.tls.ServerCertificate;
import io.bounce.runtime.tls.TlsEngine;
import picocli.CommandLine.Option;

/**
 * The TLS options every role that serves HTTPS shares (mixed into the edge's and the control plane's
 * configuration): the default certificate and the TLS engine.
 */
public final class TlsOptions
{
    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "PEM certificate chain (leaf first) served over TLS: the default certificate, for clients that name no " +
            "domain or one no other certificate covers.")
    Path certFile;

    @Option(names = "--tls-key", paramLabel = "FILE",
        description = "PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1; not encrypted). Keep it mode 0600.")
    Path keyFile;

    @Option(names = "--tls-engine", defaultValue = "auto", paramLabel = "auto|openssl|jdk",
        description = "TLS implementation: openssl is BoringSSL through netty-tcnative, jdk the JDK's own; auto takes " +
            "BoringSSL where its native library loads. Default: ${DEFAULT-VALUE}")
    String engine;

    private TlsEngine resolvedEngine;
    private ServerCertificate certificate;

    /**
     * Validate: both files or neither, and the pair must parse and match.
     *
     * @throws IllegalArgumentException naming the option and what is wrong (never the key's bytes).
     */
    public void conclude()
    {
        resolvedEngine = TlsEngine.parse(engine);
        if ((certFile == null) != (keyFile == null))
        {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (certFile != null)
        {
            certificate = load(certFile, keyFile, "--tls-cert/--tls-key");
        }
    }

    /** Read and check a certificate file and its key file; throws {@link IllegalArgumentException} starting with {@code what}. */
    public static ServerCertificate load(final Path certFile, final Path keyFile, final String what)
    {
        try
        {
            return ServerCertificate.read(certFile, keyFile);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(what + ": cannot read " + ex.getMessage());
        }
        catch (final ServerCertificate.Refused ex)
        {
            throw new IllegalArgumentException(what + ": " + ex.getMessage());
        }
    }

    /** @return true if a default certificate was given. */
    public boolean enabled()
    {
        return certificate != null;
    }

    /** @return the default certificate, as a list for {@code ServerTls.setDefault}; empty without one. */
    public List<ServerCertificate> defaults()
    {
        return certificate == null ? List.of() : List.of(certificate);
    }

    public TlsEngine engine()
    {
        return resolvedEngine;
    }
}
