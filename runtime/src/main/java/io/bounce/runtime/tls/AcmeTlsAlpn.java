package io.bounce.runtime.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import io.netty.buffer.ByteBuf;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * ACME's TLS-ALPN-01 challenge (RFC 8737), the server's side: the validator opens a TLS connection naming the
 * domain and offering only the {@code acme-tls/1} protocol, and must get a self-signed certificate for that
 * name that carries, in a critical {@code acmeIdentifier} extension, the SHA-256 of the key authorization. The
 * certificate proves nothing by its key, so each server makes its own; it is never served to anyone else.
 */
public final class AcmeTlsAlpn
{
    /** The only protocol a TLS-ALPN-01 validator offers. */
    public static final String PROTOCOL = "acme-tls/1";
    /** id-pe-acmeIdentifier. */
    static final ASN1ObjectIdentifier ACME_IDENTIFIER = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.31");

    private static final byte[] PROTOCOL_BYTES = PROTOCOL.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int EXTENSION_ALPN = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private AcmeTlsAlpn()
    {
    }

    /**
     * @param digest the SHA-256 of the key authorization (32 bytes).
     * @return the certificate to answer a validator with for {@code domain}.
     */
    public static ServerCertificate certificate(final String domain, final byte[] digest) throws GeneralSecurityException
    {
        if (digest.length != 32)
        {
            throw new IllegalArgumentException("the acmeIdentifier is a SHA-256: 32 bytes, not " + digest.length);
        }
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        final KeyPair pair = generator.generateKeyPair();
        final X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, domain).build();
        final Instant now = Instant.now();
        try
        {
            final X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(7))), name, pair.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, domain)))
                    .addExtension(ACME_IDENTIFIER, true, new DEROctetString(digest))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new ServerCertificate(List.of(certificate), pair.getPrivate(), List.of(domain), certificate.getNotAfter().toInstant(),
                ServerCertificate.fingerprint(certificate));
        }
        catch (final OperatorCreationException | java.io.IOException | ServerCertificate.Refused ex)
        {
            throw new GeneralSecurityException(ex.getMessage(), ex);
        }
    }

    /**
     * @param hello a ClientHello's body, from its {@code client_version} on, as Netty's SNI handler hands it over.
     * @return true if it offers {@code acme-tls/1} by ALPN (a validator offers nothing else). Bounded by the buffer:
     *         a malformed hello is simply not a validator's.
     */
    public static boolean offersAcmeTls(final ByteBuf hello)
    {
        final int end = hello.writerIndex();
        int offset = hello.readerIndex() + 34; // version (2) and random (32)
        if (offset + 1 > end)
        {
            return false;
        }
        offset += 1 + hello.getUnsignedByte(offset); // session id
        if (offset + 2 > end)
        {
            return false;
        }
        offset += 2 + hello.getUnsignedShort(offset); // cipher suites
        if (offset + 1 > end)
        {
            return false;
        }
        offset += 1 + hello.getUnsignedByte(offset); // compression methods
        if (offset + 2 > end)
        {
            return false;
        }
        final int extensionsEnd = Math.min(end, offset + 2 + hello.getUnsignedShort(offset));
        offset += 2;
        while (offset + 4 <= extensionsEnd)
        {
            final int type = hello.getUnsignedShort(offset);
            final int length = hello.getUnsignedShort(offset + 2);
            offset += 4;
            if (offset + length > extensionsEnd)
            {
                return false;
            }
            if (type == EXTENSION_ALPN)
            {
                return listsProtocol(hello, offset + 2, Math.min(offset + length, offset + 2 + hello.getUnsignedShort(offset)));
            }
            offset += length;
        }
        return false;
    }

    private static boolean listsProtocol(final ByteBuf hello, final int start, final int end)
    {
        int offset = start;
        while (offset < end)
        {
            final int length = hello.getUnsignedByte(offset);
            offset++;
            if (offset + length > end)
            {
                return false;
            }
            if (length == PROTOCOL_BYTES.length)
            {
                boolean same = true;
                for (int i = 0; i < length && same; i++)
                {
                    same = hello.getByte(offset + i) == PROTOCOL_BYTES[i];
                }
                if (same)
                {
                    return true;
                }
            }
            offset += length;
        }
        return false;
    }
}
