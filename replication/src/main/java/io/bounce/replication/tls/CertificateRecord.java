package io.bounce.replication.tls;

import io.bounce.replication.log.ReplicationFormat;

/**
 * A domain's certificate of one key type ({@code EC} or {@code RSA}): the chain in PEM, leaf first, and
 * its private key (PKCS#8) sealed with the fleet's key-encryption key ({@code --secrets-key-file}: AES-256-GCM,
 * bound to {@link #sealingContext}). The key travels and rests sealed; only an edge holding the same
 * key-encryption key can open it, and only in memory.
 */
public record CertificateRecord(long sequence, String domain, String keyType, String fingerprint, long notAfterMs, String chainPem,
    byte[] sealedKey) implements TlsRecord
{
    /** The largest chain taken, in bytes of PEM: a public CA's chain is 3-7 KB, so this leaves room for long ones. */
    public static final int MAX_CHAIN_BYTES = 48 * 1024;
    /** The largest sealed key (a 4096-bit RSA key in PKCS#8 is about 2.4 KB). */
    public static final int MAX_SEALED_KEY_BYTES = 8 * 1024;

    @Override
    public byte frameType()
    {
        return ReplicationFormat.TYPE_CERTIFICATE;
    }

    @Override
    public String key()
    {
        return "cert." + domain + "." + keyType.toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the associated data a certificate's private key is sealed with: its domain and its certificate. */
    public static String sealingContext(final String domain, final String fingerprint)
    {
        return "bounce-certificate-key:" + domain + ":" + fingerprint;
    }

    @Override
    public String toString()
    {
        return "certificate " + domain + " " + keyType + " sha256 " + fingerprint + " at sequence " + sequence; // never the key
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof CertificateRecord && ((CertificateRecord)other).sequence == sequence &&
            ((CertificateRecord)other).key().equals(key()) && ((CertificateRecord)other).fingerprint.equals(fingerprint);
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(sequence) * 31 + fingerprint.hashCode();
    }
}
