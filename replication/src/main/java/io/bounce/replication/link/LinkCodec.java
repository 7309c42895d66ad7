package io.bounce.replication.link;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The binary form of a {@link LinkRecord}: what the change log carries and what an edge's replica
 * stores as the value of each entry. Fixed-offset header, then the variable-length strings, so an edge
 * can read the fields it needs on the redirect path straight from off-heap memory without decoding.
 * All integers little-endian; strings are US-ASCII or UTF-8 bytes with no terminator.
 *
 * <pre>
 *   0        1        2                4                                12
 *   +--------+--------+----------------+--------------------------------+
 *   |version | flags  | status (u16)   |          sequence (i64)        |
 *   +--------+--------+----------------+--------------------------------+
 *  12                                 20                               28
 *   +----------------------------------+--------------------------------+
 *   |       createdAtMs (i64)          |      editableUntilMs (i64)     |
 *   +----------------------------------+--------------------------------+
 *  28                                 36        38        40           42
 *   +----------------------------------+---------+---------+------------+
 *   |  expiresAtMs (i64, 0 = never)    |domainLen| codeLen |  urlLen    |
 *   +----------------------------------+---------+---------+------------+
 *  42
 *   +--------------------+-------------+-------------------------------+
 *   | domain (domainLen) | code (codeLen) | url (urlLen)               |
 *   +--------------------+-------------+-------------------------------+
 * </pre>
 *
 * A reader refuses any version it does not know rather than guess at the layout.
 */
public final class LinkCodec
{
    /** The format version this codec writes and the only one it reads. */
    public static final byte VERSION = 1;

    public static final int VERSION_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int STATUS_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int CREATED_AT_OFFSET = 12;
    public static final int EDITABLE_UNTIL_OFFSET = 20;
    public static final int EXPIRES_AT_OFFSET = 28;
    public static final int DOMAIN_LENGTH_OFFSET = 36;
    public static final int CODE_LENGTH_OFFSET = 38;
    public static final int URL_LENGTH_OFFSET = 40;
    public static final int HEADER_LENGTH = 42;

    /** Longest encoded record: header plus the longest domain, code and URL {@link LinkRules} allows. */
    public static final int MAX_ENCODED_LENGTH =
        HEADER_LENGTH + LinkRules.MAX_DOMAIN_LENGTH + LinkRules.MAX_CODE_LENGTH + LinkRules.MAX_URL_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private LinkCodec()
    {
    }

    /** @return the number of bytes {@link #encode(LinkRecord, MutableDirectBuffer, int)} will write. */
    public static int encodedLength(final LinkRecord record)
    {
        return HEADER_LENGTH + record.domain().getBytes(StandardCharsets.UTF_8).length +
            record.code().getBytes(StandardCharsets.UTF_8).length + record.url().getBytes(StandardCharsets.UTF_8).length;
    }

    public static byte[] encode(final LinkRecord record)
    {
        final byte[] bytes = new byte[encodedLength(record)];
        encode(record, new UnsafeBuffer(bytes), 0);
        return bytes;
    }

    /**
     * Write the record at {@code offset}.
     *
     * @return the number of bytes written.
     */
    public static int encode(final LinkRecord record, final MutableDirectBuffer buffer, final int offset)
    {
        final byte[] domain = record.domain().getBytes(StandardCharsets.UTF_8);
        final byte[] code = record.code().getBytes(StandardCharsets.UTF_8);
        final byte[] url = record.url().getBytes(StandardCharsets.UTF_8);
        checkLength("domain", domain.length, LinkRules.MAX_DOMAIN_LENGTH);
        checkLength("code", code.length, LinkRules.MAX_CODE_LENGTH);
        checkLength("url", url.length, LinkRules.MAX_URL_LENGTH);

        buffer.putByte(offset + VERSION_OFFSET, VERSION);
        buffer.putByte(offset + FLAGS_OFFSET, (byte)record.flags());
        buffer.putShort(offset + STATUS_OFFSET, (short)record.status(), ORDER);
        buffer.putLong(offset + SEQUENCE_OFFSET, record.sequence(), ORDER);
        buffer.putLong(offset + CREATED_AT_OFFSET, record.createdAtMs(), ORDER);
        buffer.putLong(offset + EDITABLE_UNTIL_OFFSET, record.editableUntilMs(), ORDER);
        buffer.putLong(offset + EXPIRES_AT_OFFSET, record.expiresAtMs(), ORDER);
        buffer.putShort(offset + DOMAIN_LENGTH_OFFSET, (short)domain.length, ORDER);
        buffer.putShort(offset + CODE_LENGTH_OFFSET, (short)code.length, ORDER);
        buffer.putShort(offset + URL_LENGTH_OFFSET, (short)url.length, ORDER);
        int position = offset + HEADER_LENGTH;
        buffer.putBytes(position, domain);
        position += domain.length;
        buffer.putBytes(position, code);
        position += code.length;
        buffer.putBytes(position, url);
        position += url.length;
        return position - offset;
    }

    public static LinkRecord decode(final byte[] bytes)
    {
        return decode(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Read a record of exactly {@code length} bytes at {@code offset}.
     *
     * @throws LinkFormatException if the version is unknown or the lengths do not add up.
     */
    public static LinkRecord decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            throw new LinkFormatException("record of " + length + " bytes is shorter than its " + HEADER_LENGTH + "-byte header");
        }
        final byte version = buffer.getByte(offset + VERSION_OFFSET);
        if (version != VERSION)
        {
            throw new LinkFormatException("link record format version " + version + " is not supported (this build reads " + VERSION + ")");
        }
        final int domainLength = buffer.getShort(offset + DOMAIN_LENGTH_OFFSET, ORDER) & 0xFFFF;
        final int codeLength = buffer.getShort(offset + CODE_LENGTH_OFFSET, ORDER) & 0xFFFF;
        final int urlLength = buffer.getShort(offset + URL_LENGTH_OFFSET, ORDER) & 0xFFFF;
        if (HEADER_LENGTH + domainLength + codeLength + urlLength != length)
        {
            throw new LinkFormatException("record lengths (" + domainLength + "+" + codeLength + "+" + urlLength +
                ") do not match its size " + length);
        }
        int position = offset + HEADER_LENGTH;
        final String domain = buffer.getStringWithoutLengthUtf8(position, domainLength);
        position += domainLength;
        final String code = buffer.getStringWithoutLengthUtf8(position, codeLength);
        position += codeLength;
        final String url = buffer.getStringWithoutLengthUtf8(position, urlLength);
        try
        {
            return new LinkRecord(
                domain,
                code,
                url,
                buffer.getShort(offset + STATUS_OFFSET, ORDER) & 0xFFFF,
                buffer.getLong(offset + CREATED_AT_OFFSET, ORDER),
                buffer.getLong(offset + EDITABLE_UNTIL_OFFSET, ORDER),
                buffer.getLong(offset + EXPIRES_AT_OFFSET, ORDER),
                buffer.getByte(offset + FLAGS_OFFSET) & 0xFF,
                buffer.getLong(offset + SEQUENCE_OFFSET, ORDER));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new LinkFormatException("invalid link record: " + ex.getMessage());
        }
    }

    private static void checkLength(final String what, final int length, final int max)
    {
        if (length > max)
        {
            throw new IllegalArgumentException(what + " of " + length + " bytes is longer than " + max);
        }
    }
}
