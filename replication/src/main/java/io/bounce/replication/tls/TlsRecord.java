package io.bounce.replication.tls;

/**
 * A change-log record that is not a link: what an edge needs to serve a domain over HTTPS. Each kind
 * travels in its own frame type ({@link #frameType()}) and is encoded by {@link TlsCodec}. Like a link,
 * each carries the sequence of the change that produced it, and applying one is idempotent: an edge keeps
 * the record of a key ({@link #key()}) with the highest sequence.
 */
public sealed interface TlsRecord permits DomainPolicy, CertificateRecord, TicketKeys, AcmeChallenge
{
    /** @return the change-log sequence that produced this record. */
    long sequence();

    /** @return the frame type it travels in. */
    byte frameType();

    /**
     * @return what a newer record of the same key replaces: {@code policy.DOMAIN}, {@code cert.DOMAIN.KEYTYPE},
     *         {@code acme.DOMAIN} or {@code ticket-keys}. Made of lower-case letters, digits, dots and hyphens only (a file name at the edge).
     */
    String key();
}
