package io.bounce.runtime.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * One certificate chain and its private key, checked: the chain parses, the key is the leaf's, and its
 * names, expiry and fingerprint are read once. Immutable.
 *
 * @param chain       the leaf first, then the intermediates, as the server sends them.
 * @param key         the leaf's private key.
 * @param names       the leaf's DNS names (subjectAltName), lower case; {@code *.example.com} for a wildcard.
 * @param notAfter    the leaf's expiry.
 * @param fingerprint SHA-256 of the leaf's DER encoding, lower-case hex.
 */
public record ServerCertificate(List<X509Certificate> chain, PrivateKey key, List<String> names, Instant notAfter, String fingerprint)
{
    /** Most certificates in one chain, and most characters of PEM text, read from one upload or file. */
    public static final int MAX_CHAIN = 10;
    public static final int MAX_PEM_CHARS = 256 * 1024;

    /** A certificate or key that cannot be used, with a sentence saying why (never the key's bytes). */
    public static final class Refused extends Exception
    {
        private static final long serialVersionUID = 1L;

        /** {@code unparseable}, {@code key-mismatch} or {@code too-large}: what an API names the refusal by. */
        private final String reason;

        public Refused(final String message)
        {
            this("unparseable", message);
        }

        public Refused(final String reason, final String message)
        {
            super(message);
            this.reason = reason;
        }

        public String reason()
        {
            return reason;
        }
    }

    /**
     * Parse and check a PEM chain and its PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC; not encrypted).
     *
     * @throws Refused if the chain does not parse, the key does not parse or is not the leaf's.
     */
    public static ServerCertificate parse(final String chainPem, final String keyPem) throws Refused
    {
        if (chainPem.length() > MAX_PEM_CHARS || keyPem.length() > MAX_PEM_CHARS)
        {
            throw new Refused("too-large", "a certificate chain or key longer than " + MAX_PEM_CHARS + " characters");
        }
        final List<X509Certificate> chain = readChain(chainPem);
        final PrivateKey key = readKey(keyPem);
        final X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey()))
        {
            throw new Refused("key-mismatch", "the private key is not the certificate's: it does not match the leaf's public key");
        }
        return new ServerCertificate(List.copyOf(chain), key, dnsNames(leaf), leaf.getNotAfter().toInstant(), fingerprint(leaf));
    }

    /**
     * A chain and its private key as PKCS#8 bytes that were checked together before they were sealed (the control
     * plane checks every upload with {@link #parse}) and opened in memory here. The seal is authenticated and bound
     * to the leaf's fingerprint, which the caller compares, so the pair is not signed and verified again: that cost
     * 3 ms a certificate, 30 s for an edge starting with 10,000 domains. Only the key's algorithm is checked.
     *
     * @throws Refused if the chain does not parse, the key does not parse or is of another algorithm than the leaf's.
     */
    public static ServerCertificate fromPkcs8(final String chainPem, final byte[] pkcs8) throws Refused
    {
        if (chainPem.length() > MAX_PEM_CHARS)
        {
            throw new Refused("too-large", "a certificate chain longer than " + MAX_PEM_CHARS + " characters");
        }
        final List<X509Certificate> chain = readChain(chainPem);
        final PrivateKey key;
        try
        {
            key = new JcaPEMKeyConverter().getPrivateKey(PrivateKeyInfo.getInstance(pkcs8));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new Refused("the private key is not PKCS#8"); // never the parser's message: it may quote the key's bytes
        }
        final X509Certificate leaf = chain.get(0);
        if (!sameAlgorithm(key, leaf.getPublicKey()))
        {
            throw new Refused("key-mismatch", "the private key is not the certificate's: " + key.getAlgorithm() + " against " +
                leaf.getPublicKey().getAlgorithm());
        }
        return new ServerCertificate(List.copyOf(chain), key, dnsNames(leaf), leaf.getNotAfter().toInstant(), fingerprint(leaf));
    }

    /**
     * Read and check a certificate chain file and its key file, each at most {@value #MAX_PEM_CHARS} bytes.
     *
     * @throws Refused if either is too large, or they do not parse or match.
     * @throws IOException if a file cannot be read.
     */
    public static ServerCertificate read(final Path chainFile, final Path keyFile) throws Refused, IOException
    {
        if (Files.size(chainFile) > MAX_PEM_CHARS || Files.size(keyFile) > MAX_PEM_CHARS)
        {
            throw new Refused("too-large", "a file larger than " + MAX_PEM_CHARS + " bytes");
        }
        return parse(Files.readString(chainFile, StandardCharsets.US_ASCII), Files.readString(keyFile, StandardCharsets.US_ASCII));
    }

    /** @return the leaf of a PEM chain, for what may be shown of a stored certificate whose key stays sealed. */
    public static X509Certificate leafOf(final String chainPem) throws Refused
    {
        return readChain(chainPem).get(0);
    }

    /** @return {@code EC} or {@code RSA}: the kind of key, which decides the clients it serves. */
    public String keyType()
    {
        return key instanceof ECKey ? "EC" : key instanceof RSAKey ? "RSA" : key.getAlgorithm();
    }

    public X509Certificate leaf()
    {
        return chain.get(0);
    }

    /** @return true if one of the names covers {@code host} (exactly, or as a wildcard one label deep). */
    public boolean covers(final String host)
    {
        final String lower = host.toLowerCase(Locale.ROOT);
        for (final String name : names)
        {
            if (name.equals(lower))
            {
                return true;
            }
            if (name.startsWith("*.") && lower.indexOf('.') > 0 && lower.substring(lower.indexOf('.') + 1).equals(name.substring(2)))
            {
                return true;
            }
        }
        return false;
    }

    /** @return true if the leaf has expired at {@code now}. */
    public boolean expiredAt(final Instant now)
    {
        return now.isAfter(notAfter);
    }

    @Override
    public String toString()
    {
        return "certificate " + names + " (" + keyType() + ", notAfter " + notAfter + ", sha256 " + fingerprint + ")";
    }

    private static List<X509Certificate> readChain(final String pem) throws Refused
    {
        final List<X509Certificate> chain = new ArrayList<>();
        final JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem)))
        {
            for (Object item; (item = parser.readObject()) != null; )
            {
                if (!(item instanceof X509CertificateHolder))
                {
                    throw new Refused("the certificate file holds something other than certificates");
                }
                if (chain.size() == MAX_CHAIN)
                {
                    throw new Refused("a chain of more than " + MAX_CHAIN + " certificates");
                }
                chain.add(converter.getCertificate((X509CertificateHolder)item));
            }
        }
        catch (final IOException | GeneralSecurityException | RuntimeException ex)
        {
            throw new Refused("the certificate chain does not parse as PEM: " + ex.getMessage());
        }
        if (chain.isEmpty())
        {
            throw new Refused("no certificate found: expected PEM certificate blocks, leaf first");
        }
        return chain;
    }

    private static PrivateKey readKey(final String pem) throws Refused
    {
        final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem)))
        {
            for (Object item; (item = parser.readObject()) != null; )
            {
                if (item instanceof PrivateKeyInfo)
                {
                    return converter.getPrivateKey((PrivateKeyInfo)item);
                }
                if (item instanceof PEMKeyPair)
                {
                    return converter.getKeyPair((PEMKeyPair)item).getPrivate();
                }
                if (!(item instanceof org.bouncycastle.asn1.x9.X9ECParameters) && !(item instanceof org.bouncycastle.asn1.ASN1ObjectIdentifier))
                {
                    throw new Refused("the key file holds no usable private key (an encrypted key must be decrypted first)");
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // Never the parser's message: it may quote the key's bytes.
            throw new Refused("the private key does not parse as PEM");
        }
        throw new Refused("no private key found: expected a PEM private key (PKCS#8, PKCS#1 or SEC1), not encrypted");
    }

    private static boolean sameAlgorithm(final PrivateKey key, final PublicKey publicKey)
    {
        return key.getAlgorithm().equals(publicKey.getAlgorithm()) ||
            key.getAlgorithm().startsWith("EC") && publicKey.getAlgorithm().startsWith("EC");
    }

    /** Sign a random challenge with the key and verify it with the certificate's public key. */
    private static boolean matches(final PrivateKey key, final PublicKey publicKey)
    {
        if (!sameAlgorithm(key, publicKey))
        {
            return false;
        }
        try
        {
            final String algorithm = key instanceof ECKey ? "SHA256withECDSA" : key instanceof RSAKey ? "SHA256withRSA" : "Ed25519";
            final byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        }
        catch (final GeneralSecurityException | RuntimeException ex)
        {
            return false;
        }
    }

    /** @return the leaf's DNS names (subjectAltName), lower case. */
    public static List<String> dnsNames(final X509Certificate leaf) throws Refused
    {
        final List<String> names = new ArrayList<>();
        try
        {
            final Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null)
            {
                for (final List<?> alternative : alternatives)
                {
                    if (Integer.valueOf(2).equals(alternative.get(0)))
                    {
                        names.add(String.valueOf(alternative.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        catch (final CertificateParsingException ex)
        {
            throw new Refused("the certificate's subjectAltName does not parse");
        }
        return List.copyOf(names);
    }

    /** @return SHA-256 of the certificate's DER encoding, lower-case hex. */
    public static String fingerprint(final X509Certificate leaf) throws Refused
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded()));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new Refused("the certificate does not encode: " + ex.getMessage());
        }
    }
}
