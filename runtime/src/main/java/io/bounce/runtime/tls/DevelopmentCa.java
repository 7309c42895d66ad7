package io.bounce.runtime.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import io.bounce.runtime.files.DurableFiles;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for one machine's development and tests, the way Caddy's {@code tls internal}
 * works: {@code bounce up} makes one under {@code <data-dir>/ca/} ({@code ca.pem}, and {@code ca.key}
 * mode 0600) and issues the edges' certificates from it; a client that trusts {@code ca.pem}
 * ({@code curl --cacert}) trusts them. Never for production: its key sits on the same disk.
 */
public final class DevelopmentCa
{
    /** A certificate chain (leaf, then the CA) and its key, in PEM. */
    public record Issued(String chainPem, String keyPem)
    {
        @Override
        public String toString()
        {
            return "Issued[chain, key hidden]";
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);

    private final Path caFile;
    private final X509Certificate caCertificate;
    private final PrivateKey caKey;

    private DevelopmentCa(final Path caFile, final X509Certificate caCertificate, final PrivateKey caKey)
    {
        this.caFile = caFile;
        this.caCertificate = caCertificate;
        this.caKey = caKey;
    }

    /** Open the CA in {@code dir}, or make one there (ECDSA P-256, ten years) the first time. */
    public static DevelopmentCa openOrCreate(final Path dir) throws IOException
    {
        final Path certFile = dir.resolve("ca.pem");
        final Path keyFile = dir.resolve("ca.key");
        if (Files.exists(certFile) && Files.exists(keyFile))
        {
            try
            {
                final ServerCertificate ca = ServerCertificate.read(certFile, keyFile);
                return new DevelopmentCa(certFile, ca.leaf(), ca.key());
            }
            catch (final ServerCertificate.Refused ex)
            {
                throw new IOException("the development CA in " + dir + " cannot be used (" + ex.getMessage() + "); remove it to make a new one");
            }
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try
        {
            final KeyPair pair = newKeyPair("EC");
            final X500Name name = commonName("Bounce Development CA (" + hostName() + ", " + Instant.now().toString().substring(0, 10) + ")");
            final Instant now = Instant.now();
            final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
            final X509Certificate certificate = sign(builder, pair.getPrivate());
            DurableFiles.writeAtomically(keyFile, pem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII)); // 0600, as temp files are
            DurableFiles.writeAtomically(certFile, pem(certificate).getBytes(StandardCharsets.US_ASCII));
            Files.setPosixFilePermissions(certFile, PosixFilePermissions.fromString("rw-r--r--"));
            return new DevelopmentCa(certFile, certificate, pair.getPrivate());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("cannot make a development CA: " + ex.getMessage(), ex);
        }
    }

    /** @return the CA's certificate file: what clients trust. */
    public Path caFile()
    {
        return caFile;
    }

    public X509Certificate certificate()
    {
        return caCertificate;
    }

    /**
     * Issue a server certificate for {@code names} (DNS names, wildcards, or IP literals).
     *
     * @param keyType  {@code EC} (P-256) or {@code RSA} (2048 bits).
     * @param validFor how long it lasts from now; a negative duration makes one that has already expired (for tests).
     */
    public Issued issue(final List<String> names, final String keyType, final Duration validFor) throws IOException
    {
        try
        {
            final KeyPair pair = newKeyPair(keyType);
            final Instant now = Instant.now();
            final Instant notAfter = now.plus(validFor);
            final Instant notBefore = validFor.isNegative() ? notAfter.minus(Duration.ofDays(1)) : now.minus(Duration.ofHours(1));
            final List<GeneralName> alternatives = new ArrayList<>();
            for (final String name : names)
            {
                alternatives.add(name.matches("[0-9.]+|.*:.*") ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name));
            }
            final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                Date.from(notBefore), Date.from(notAfter), commonName(names.get(0)), pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(
                    "RSA".equals(keyType) ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives.toArray(new GeneralName[0])))
                .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCertificate))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
            final X509Certificate leaf = sign(builder, caKey);
            return new Issued(pem(leaf) + pem(caCertificate), pem(pair.getPrivate()));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("cannot issue a certificate for " + names + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Write {@code issued} into a certificate directory as {@code NAME.key} (mode 0600) and then {@code NAME.pem},
     * each renamed into place, so a reader sees the old pair or the new one.
     */
    public static void write(final Path dir, final String name, final Issued issued) throws IOException
    {
        Files.createDirectories(dir);
        DurableFiles.writeAtomically(dir.resolve(name + ".key"), issued.keyPem().getBytes(StandardCharsets.US_ASCII));
        DurableFiles.writeAtomically(dir.resolve(name + ".pem"), issued.chainPem().getBytes(StandardCharsets.US_ASCII));
    }

    private static KeyPair newKeyPair(final String keyType) throws GeneralSecurityException
    {
        if ("RSA".equals(keyType))
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        }
        if (!"EC".equals(keyType))
        {
            throw new GeneralSecurityException("key type must be EC or RSA, not " + keyType);
        }
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(final X509v3CertificateBuilder builder, final PrivateKey key) throws GeneralSecurityException
    {
        try
        {
            final String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
        }
        catch (final OperatorCreationException ex)
        {
            throw new GeneralSecurityException(ex.getMessage(), ex);
        }
    }

    /** A name of one CN, built (not parsed: a comma in it would be a separator). */
    private static X500Name commonName(final String name)
    {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    }

    private static BigInteger serial()
    {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static String pem(final Object object) throws IOException
    {
        final StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out))
        {
            writer.writeObject(object instanceof PrivateKey
                ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator((PrivateKey)object, null) : object);
        }
        return out.toString();
    }

    private static String hostName()
    {
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final IOException ex)
        {
            return "localhost";
        }
    }
}
