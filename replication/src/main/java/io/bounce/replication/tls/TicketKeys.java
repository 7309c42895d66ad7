package io.bounce.replication.tls;

import java.util.List;

import io.bounce.replication.log.ReplicationFormat;

/**
 * The fleet's TLS session-ticket keys, newest first: the first seals new tickets, every one opens them,
 * so a ticket sealed before a rotation still resumes after it. Each key is 48 bytes (name, HMAC key, AES
 * key) sealed with the fleet's key-encryption key, bound to {@link #sealingContext} of its id.
 */
public record TicketKeys(long sequence, List<Key> keys) implements TlsRecord
{
    /** The most keys one record carries. */
    public static final int MAX_KEYS = 8;
    /** Bytes of one key, unsealed. */
    public static final int KEY_BYTES = 48;

    /** One key: its id (the time it was made, in ms) and its sealed bytes. */
    public record Key(long id, byte[] sealed)
    {
        @Override
        public String toString()
        {
            return "ticket key " + id; // never the key
        }
    }

    public TicketKeys
    {
        keys = List.copyOf(keys);
    }

    @Override
    public byte frameType()
    {
        return ReplicationFormat.TYPE_TICKET_KEYS;
    }

    @Override
    public String key()
    {
        return "ticket-keys";
    }

    /** @return the associated data a ticket key is sealed with. */
    public static String sealingContext(final long id)
    {
        return "bounce-ticket-key:" + id;
    }
}
