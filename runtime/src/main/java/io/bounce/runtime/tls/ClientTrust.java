package io.bounce.runtime.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A client's TLS context that trusts the certificates in one PEM file (a private CA, the development CA), or given ones. */
public final class ClientTrust
{
    private ClientTrust()
    {
    }

    /**
     * @param caFile PEM certificates to trust, instead of the JDK's default authorities.
     * @throws IOException if the file cannot be read or holds no certificate.
     */
    public static SSLContext trusting(final Path caFile) throws IOException
    {
        try (InputStream in = Files.newInputStream(caFile))
        {
            final List<Certificate> certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certificates.isEmpty())
            {
                throw new IOException(caFile + " holds no PEM certificate");
            }
            return trusting(certificates);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("cannot trust " + caFile + ": " + ex.getMessage(), ex);
        }
    }

    /** @return a client context that trusts {@code authorities} only (a CA's root fetched at run time, say). */
    public static SSLContext trusting(final List<? extends Certificate> authorities) throws IOException
    {
        try
        {
            final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (final Certificate certificate : authorities)
            {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("cannot trust those certificates: " + ex.getMessage(), ex);
        }
    }
}
