package io.bounce.replication.tls;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.bounce.replication.link.LinkRules;
import io.bounce.replication.log.ReplicationFormat;

/**
 * The binary form of {@link TlsRecord}s: what the change log carries in frames of types
 * {@value ReplicationFormat#TYPE_DOMAIN_POLICY} to {@value ReplicationFormat#TYPE_ACME_CHALLENGE}, and what an
 * edge keeps in its data directory. Little-endian; each starts with a version byte (1, the only one) and
 * the record's sequence.
 *
 * <pre>
 * Domain policy (frame type 4)
 *  0        1        2          4                12                      20           22
 *  +--------+--------+----------+----------------+-----------------------+------------+---------+
 *  |version | flags  | reserved | sequence (i64) | HSTS max-age s (i64)  | domainLen  | domain  |
 *  +--------+--------+----------+----------------+-----------------------+------------+---------+
 *  flags: 1 httpsOnly, 2 includeSubDomains, 4 preload, 8 defaultCertificate, 16 removed (change-log version 3)
 *
 * Certificate (frame type 5)
 *  0        1          4                12                 20          22          23       24          28          30
 *  +--------+----------+----------------+------------------+-----------+-----------+--------+-----------+-----------+
 *  |version | reserved | sequence (i64) | notAfter ms (i64)| domainLen | keyTypeLen| fprLen | chainLen  | sealedLen |
 *  +--------+----------+----------------+------------------+-----------+-----------+--------+-----------+-----------+
 *  30: domain, key type, SHA-256 fingerprint (hex), chain PEM (all ASCII), sealed private key
 *
 * Ticket keys (frame type 6)
 *  0        1        2          4                12
 *  +--------+--------+----------+----------------+---- count times: id (i64), sealedLen (u16), sealed key
 *  |version | count  | reserved | sequence (i64) |
 *  +--------+--------+----------+----------------+
 *
 * ACME challenge (frame type 7, change-log version 3)
 *  0        1          4                12                   20          22         23         24                26
 *  +--------+----------+----------------+--------------------+-----------+----------+----------+----------------+
 *  |version | reserved | sequence (i64) | expires at ms (i64)| domainLen | tokenLen | reserved | keyAuthLen u16 |
 *  +--------+----------+----------------+--------------------+-----------+----------+----------+----------------+
 *  26: domain, token, key authorization (ASCII); an empty token withdraws the domain's challenge
 * </pre>
 *
 * A reader refuses (with {@link IllegalArgumentException}) a version it does not know, a length out of
 * bounds, a domain that breaks {@link LinkRules}, or bytes left over.
 */
public final class TlsCodec
{
    public static final byte VERSION = 1;

    static final int FLAG_HTTPS_ONLY = 1;
    static final int FLAG_INCLUDE_SUBDOMAINS = 2;
    static final int FLAG_PRELOAD = 4;
    static final int FLAG_DEFAULT_CERTIFICATE = 8;
    static final int FLAG_REMOVED = 16;

    /** The largest encoding of any record: what sizes the change log's frames. */
    public static final int MAX_ENCODED_LENGTH = 30 + LinkRules.MAX_DOMAIN_LENGTH + 16 + 64 +
        CertificateRecord.MAX_CHAIN_BYTES + CertificateRecord.MAX_SEALED_KEY_BYTES;

    private TlsCodec()
    {
    }

    public static byte[] encode(final TlsRecord record)
    {
        if (record instanceof DomainPolicy)
        {
            return encodePolicy((DomainPolicy)record);
        }
        if (record instanceof CertificateRecord)
        {
            return encodeCertificate((CertificateRecord)record);
        }
        if (record instanceof AcmeChallenge)
        {
            return encodeChallenge((AcmeChallenge)record);
        }
        return encodeTicketKeys((TicketKeys)record);
    }

    /**
     * @param frameType the frame type the bytes came in.
     * @throws IllegalArgumentException if the bytes are not a record of that type this build reads.
     */
    public static TlsRecord decode(final byte frameType, final byte[] bytes, final int offset, final int length)
    {
        final ByteBuffer in = ByteBuffer.wrap(bytes, offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
        try
        {
            if (in.get() != VERSION)
            {
                throw new IllegalArgumentException("TLS record version " + in.get(0) + "; this build reads only version " + VERSION);
            }
            final TlsRecord record;
            switch (frameType)
            {
                case ReplicationFormat.TYPE_DOMAIN_POLICY:
                    record = decodePolicy(in);
                    break;
                case ReplicationFormat.TYPE_CERTIFICATE:
                    record = decodeCertificate(in);
                    break;
                case ReplicationFormat.TYPE_TICKET_KEYS:
                    record = decodeTicketKeys(in);
                    break;
                case ReplicationFormat.TYPE_ACME_CHALLENGE:
                    record = decodeChallenge(in);
                    break;
                default:
                    throw new IllegalArgumentException("frame type " + frameType + " carries no TLS record");
            }
            if (in.hasRemaining())
            {
                throw new IllegalArgumentException(in.remaining() + " bytes after the record");
            }
            return record;
        }
        catch (final BufferUnderflowException ex)
        {
            throw new IllegalArgumentException("record cut short at " + in.position() + " of " + length + " bytes");
        }
    }

    private static byte[] encodePolicy(final DomainPolicy policy)
    {
        final byte[] domain = ascii(policy.domain());
        final int flags = (policy.httpsOnly() ? FLAG_HTTPS_ONLY : 0) | (policy.hstsIncludeSubDomains() ? FLAG_INCLUDE_SUBDOMAINS : 0) |
            (policy.hstsPreload() ? FLAG_PRELOAD : 0) | (policy.defaultCertificate() ? FLAG_DEFAULT_CERTIFICATE : 0) |
            (policy.removed() ? FLAG_REMOVED : 0);
        final ByteBuffer out = ByteBuffer.allocate(22 + domain.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(VERSION).put((byte)flags).putShort((short)0).putLong(policy.sequence()).putLong(policy.hstsMaxAgeSeconds())
            .putShort((short)domain.length).put(domain);
        return out.array();
    }

    private static DomainPolicy decodePolicy(final ByteBuffer in)
    {
        final int flags = in.get() & 0xFF;
        in.getShort();
        final long sequence = in.getLong();
        final long maxAge = in.getLong();
        if (maxAge < 0 || maxAge > DomainPolicy.MAX_HSTS_MAX_AGE_SECONDS)
        {
            throw new IllegalArgumentException("HSTS max-age " + maxAge + " out of range");
        }
        final String domain = domain(in, in.getShort() & 0xFFFF);
        return new DomainPolicy(sequence, domain, (flags & FLAG_HTTPS_ONLY) != 0, maxAge, (flags & FLAG_INCLUDE_SUBDOMAINS) != 0,
            (flags & FLAG_PRELOAD) != 0, (flags & FLAG_DEFAULT_CERTIFICATE) != 0, (flags & FLAG_REMOVED) != 0);
    }

    private static byte[] encodeCertificate(final CertificateRecord certificate)
    {
        final byte[] domain = ascii(certificate.domain());
        final byte[] keyType = ascii(certificate.keyType());
        final byte[] fingerprint = ascii(certificate.fingerprint());
        final byte[] chain = ascii(certificate.chainPem());
        final byte[] sealed = certificate.sealedKey();
        if (chain.length > CertificateRecord.MAX_CHAIN_BYTES || sealed.length > CertificateRecord.MAX_SEALED_KEY_BYTES ||
            keyType.length > 16 || fingerprint.length > 64)
        {
            throw new IllegalArgumentException(certificate + " is too large for the change log");
        }
        final ByteBuffer out = ByteBuffer.allocate(30 + domain.length + keyType.length + fingerprint.length + chain.length + sealed.length)
            .order(ByteOrder.LITTLE_ENDIAN);
        out.put(VERSION).put((byte)0).putShort((short)0).putLong(certificate.sequence()).putLong(certificate.notAfterMs())
            .putShort((short)domain.length).put((byte)keyType.length).put((byte)fingerprint.length).putInt(chain.length)
            .putShort((short)sealed.length)
            .put(domain).put(keyType).put(fingerprint).put(chain).put(sealed);
        return out.array();
    }

    private static CertificateRecord decodeCertificate(final ByteBuffer in)
    {
        in.get();
        in.getShort();
        final long sequence = in.getLong();
        final long notAfter = in.getLong();
        final int domainLength = in.getShort() & 0xFFFF;
        final int keyTypeLength = in.get() & 0xFF;
        final int fingerprintLength = in.get() & 0xFF;
        final int chainLength = in.getInt();
        final int sealedLength = in.getShort() & 0xFFFF;
        if (chainLength < 0 || chainLength > CertificateRecord.MAX_CHAIN_BYTES || sealedLength > CertificateRecord.MAX_SEALED_KEY_BYTES)
        {
            throw new IllegalArgumentException("certificate of " + chainLength + " chain bytes and a " + sealedLength + "-byte key");
        }
        final String domain = domain(in, domainLength);
        final String keyType = ascii(in, keyTypeLength);
        if (!keyType.matches("[A-Z0-9]{1,16}"))
        {
            throw new IllegalArgumentException("key type " + keyType);
        }
        final String fingerprint = ascii(in, fingerprintLength);
        if (!fingerprint.matches("[0-9a-f]{64}"))
        {
            throw new IllegalArgumentException("fingerprint is not 64 hex digits");
        }
        final String chain = ascii(in, chainLength);
        final byte[] sealed = new byte[sealedLength];
        in.get(sealed);
        return new CertificateRecord(sequence, domain, keyType, fingerprint, notAfter, chain, sealed);
    }

    private static byte[] encodeTicketKeys(final TicketKeys keys)
    {
        if (keys.keys().isEmpty() || keys.keys().size() > TicketKeys.MAX_KEYS)
        {
            throw new IllegalArgumentException(keys.keys().size() + " ticket keys; 1 to " + TicketKeys.MAX_KEYS + " travel");
        }
        int length = 12;
        for (final TicketKeys.Key key : keys.keys())
        {
            length += 10 + key.sealed().length;
        }
        final ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(VERSION).put((byte)keys.keys().size()).putShort((short)0).putLong(keys.sequence());
        for (final TicketKeys.Key key : keys.keys())
        {
            out.putLong(key.id()).putShort((short)key.sealed().length).put(key.sealed());
        }
        return out.array();
    }

    private static TicketKeys decodeTicketKeys(final ByteBuffer in)
    {
        final int count = in.get() & 0xFF;
        in.getShort();
        final long sequence = in.getLong();
        if (count < 1 || count > TicketKeys.MAX_KEYS)
        {
            throw new IllegalArgumentException(count + " ticket keys");
        }
        final List<TicketKeys.Key> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final long id = in.getLong();
            final int sealedLength = in.getShort() & 0xFFFF;
            if (sealedLength > 256)
            {
                throw new IllegalArgumentException("a sealed ticket key of " + sealedLength + " bytes");
            }
            final byte[] sealed = new byte[sealedLength];
            in.get(sealed);
            keys.add(new TicketKeys.Key(id, sealed));
        }
        return new TicketKeys(sequence, keys);
    }

    private static byte[] encodeChallenge(final AcmeChallenge challenge)
    {
        final byte[] domain = ascii(challenge.domain());
        final byte[] token = ascii(challenge.token());
        final byte[] keyAuthorization = ascii(challenge.keyAuthorization());
        final ByteBuffer out = ByteBuffer.allocate(26 + domain.length + token.length + keyAuthorization.length)
            .order(ByteOrder.LITTLE_ENDIAN);
        out.put(VERSION).put((byte)0).putShort((short)0).putLong(challenge.sequence()).putLong(challenge.expiresAtMs())
            .putShort((short)domain.length).put((byte)token.length).put((byte)0).putShort((short)keyAuthorization.length)
            .put(domain).put(token).put(keyAuthorization);
        return out.array();
    }

    private static AcmeChallenge decodeChallenge(final ByteBuffer in)
    {
        in.get();
        in.getShort();
        final long sequence = in.getLong();
        final long expiresAt = in.getLong();
        final int domainLength = in.getShort() & 0xFFFF;
        final int tokenLength = in.get() & 0xFF;
        in.get();
        final int keyAuthorizationLength = in.getShort() & 0xFFFF;
        if (keyAuthorizationLength > AcmeChallenge.MAX_KEY_AUTHORIZATION_LENGTH)
        {
            throw new IllegalArgumentException("a key authorization of " + keyAuthorizationLength + " bytes");
        }
        final String domain = domain(in, domainLength);
        final String token = ascii(in, tokenLength);
        return new AcmeChallenge(sequence, domain, token, ascii(in, keyAuthorizationLength), expiresAt); // checks both
    }

    private static String domain(final ByteBuffer in, final int length)
    {
        final String domain = ascii(in, length);
        final String problem = LinkRules.checkDomain(domain);
        if (problem != null || !domain.equals(domain.toLowerCase(Locale.ROOT)))
        {
            throw new IllegalArgumentException("domain: " + (problem == null ? "not lower-case" : problem));
        }
        return domain;
    }

    private static String ascii(final ByteBuffer in, final int length)
    {
        final byte[] bytes = new byte[length];
        in.get(bytes);
        for (final byte b : bytes)
        {
            if (b < 0)
            {
                throw new IllegalArgumentException("a field that must be ASCII is not");
            }
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
