package io.bounce.edge.http;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import java.nio.file.Files;
import java.nio.file.Path;

import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.launch.SecretsOptions;
import io.bounce.runtime.launch.TlsOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The edge's HTTPS settings (mixed into {@code EdgeConfig}): the port, the default certificate and TLS
 * engine ({@link TlsOptions}), the directory of certificates by domain, HTTP/2, the fleet's
 * session-ticket keys and the key that opens what the change log brings sealed.
 */
public final class HttpsOptions
{
    @Mixin
    TlsOptions tls;

    @Option(names = "--https-port", defaultValue = "8443",
        description = "Public HTTPS port (443 in a PoP), beside --port; 0 picks a free port. It listens when the edge has " +
            "certificates: --tls-cert/--tls-key (the default) or --tls-dir. Default: ${DEFAULT-VALUE}")
    int httpsPort;
    @Option(names = "--http2", defaultValue = "true", arity = "1", paramLabel = "true|false",
        description = "Offer HTTP/2 on the HTTPS port (ALPN h2, then http/1.1). Default: ${DEFAULT-VALUE}")
    boolean http2;
    @Option(names = "--tls-dir", paramLabel = "DIR",
        description = "Directory of certificates by domain: NAME.pem (chain, leaf first) beside NAME.key. Each is served to " +
            "the names it covers (exact, then wildcard, then the default); the directory is read again when a file changes.")
    Path tlsDir;
    @Option(names = "--tls-ticket-keys", paramLabel = "FILE",
        description = "Session-ticket keys shared by the fleet (one a line, 48 random bytes in base64; the first seals, all " +
            "open; mode 0600), so a client resumes its TLS session on whichever edge anycast sends it to. Read again when " +
            "it changes. Default: each edge's own random keys.")
    Path tlsTicketKeys;
    /** With it the HTTPS port listens even without --tls-cert: the change log brings the certificates. */
    @Mixin
    SecretsOptions secrets;

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        requireRange("--https-port", httpsPort, 0, 65535);
        tls.conclude();
        if (tlsDir != null && !Files.isDirectory(tlsDir))
        {
            throw new IllegalArgumentException("--tls-dir: " + tlsDir + " is not a directory");
        }
        secrets.conclude();
    }

    /** @return the key-encryption key read from {@code --secrets-key-file}, or null without one. */
    public SecretBox secrets()
    {
        return secrets.secrets();
    }

    /** The default certificate and the TLS engine. */
    public TlsOptions tls()
    {
        return tls;
    }

    /** @return the HTTPS port, or -1 when the edge has no certificate to serve nor a key to open the change log's. */
    public int port()
    {
        return tls.enabled() || tlsDir != null || secrets.secrets() != null ? httpsPort : -1;
    }

    /** @return the port a plain-HTTP request on an HTTPS-only domain is sent to (omitted from the URL when 443). */
    public int publicPort()
    {
        return httpsPort == 0 ? 443 : httpsPort;
    }
    /** @return true if the HTTPS port offers HTTP/2. */
    public boolean http2()
    {
        return http2;
    }
    /** @return the fleet's session-ticket key file, or null. */
    public Path tlsTicketKeys()
    {
        return tlsTicketKeys;
    }
    /** @return the directory of certificates by domain, or null. */
    public Path tlsDir()
    {
        return tlsDir;
    }
}
