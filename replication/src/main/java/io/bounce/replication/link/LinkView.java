package io.bounce.replication.link;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The one flyweight over an encoded {@link LinkRecord}: the only code that knows the layout's offsets.
 * The change log carries these bytes and every edge's replica stores them as an entry's value; the
 * codec, the replica and the redirect path all read them through a view, so a version bump is made
 * here once. Fixed-offset header, then the variable-length strings, so a reader gets any field it
 * needs in place, without decoding the rest. All integers little-endian; strings are US-ASCII or UTF-8
 * bytes with no terminator.
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
 *   +--------------------+----------------+-----------------------------+
 *   | domain (domainLen) | code (codeLen) | url (urlLen)                |
 *   +--------------------+----------------+-----------------------------+
 * </pre>
 *
 * Version 2 is a link with rules ({@link RuleSet}): the same header, then the rules section's length, then the same
 * strings followed by the rules section (laid out in {@link RulesView}). A link without rules is written as version 1,
 * byte for byte what it was before rules existed, so it costs the redirect path nothing new.
 *
 * <pre>
 *  42                  44
 *   +-------------------+--------+------+-----+------------------------+
 *   | rulesLen (u16)    | domain | code | url | rules (rulesLen)       |
 *   +-------------------+--------+------+-----+------------------------+
 * </pre>
 *
 * A view is reused (no allocation to read a record): {@link #wrap} it over the bytes, check
 * {@link #isReadable()}, then read. One view belongs to one thread.
 */
public final class LinkView
{
    /** The format version of a link without rules. */
    public static final byte VERSION_PLAIN = 1;
    /** The format version of a link with rules; this build reads both and writes each where it fits. */
    public static final byte VERSION_RULES = 2;

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
    public static final int RULES_LENGTH_OFFSET = 42;
    /** The header of a version 2 record: version 1's and the rules section's length. */
    public static final int RULES_HEADER_LENGTH = 44;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private final RulesView rules = new RulesView();

    /** View the {@code length} bytes at {@code offset} of {@code buffer} as one record. */
    public LinkView wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** @return the encoded length of the record viewed. */
    public int length()
    {
        return length;
    }

    /**
     * @return true if the bytes are a record this build can read: a whole header, this format's version,
     * and string lengths that add up to the record's length. Read nothing else from a view that is not.
     */
    public boolean isReadable()
    {
        if (length < HEADER_LENGTH)
        {
            return false;
        }
        final byte version = version();
        if (version == VERSION_PLAIN)
        {
            return HEADER_LENGTH + domainLength() + codeLength() + urlLength() == length;
        }
        return version == VERSION_RULES && length >= RULES_HEADER_LENGTH &&
            RULES_HEADER_LENGTH + domainLength() + codeLength() + urlLength() + rulesLength() == length && rules().isWellFormed();
    }

    /** @return true if the record carries a rules section (version 2). */
    public boolean hasRules()
    {
        return version() == VERSION_RULES;
    }

    /** @return the rules section's length, 0 for a version 1 record. */
    public int rulesLength()
    {
        return hasRules() ? buffer.getShort(offset + RULES_LENGTH_OFFSET, ORDER) & 0xFFFF : 0;
    }

    /** @return where the rules section starts in the wrapped buffer. */
    public int rulesOffset()
    {
        return urlOffset() + urlLength();
    }

    /** @return this view's {@link RulesView}, wrapped over the record's rules section (empty for version 1). */
    public RulesView rules()
    {
        return rules.wrap(buffer, rulesOffset(), rulesLength());
    }

    public byte version()
    {
        return buffer.getByte(offset + VERSION_OFFSET);
    }

    public int flags()
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public boolean hasFlag(final int flag)
    {
        return (flags() & flag) != 0;
    }

    public int status()
    {
        return buffer.getShort(offset + STATUS_OFFSET, ORDER) & 0xFFFF;
    }

    public long sequence()
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ORDER);
    }

    public long createdAtMs()
    {
        return buffer.getLong(offset + CREATED_AT_OFFSET, ORDER);
    }

    public long editableUntilMs()
    {
        return buffer.getLong(offset + EDITABLE_UNTIL_OFFSET, ORDER);
    }

    /** @return expiry in epoch ms, 0 when the link never expires. */
    public long expiresAtMs()
    {
        return buffer.getLong(offset + EXPIRES_AT_OFFSET, ORDER);
    }

    public int domainLength()
    {
        return buffer.getShort(offset + DOMAIN_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    public int codeLength()
    {
        return buffer.getShort(offset + CODE_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    public int urlLength()
    {
        return buffer.getShort(offset + URL_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    /** @return where the domain's bytes start in the wrapped buffer. */
    public int domainOffset()
    {
        return offset + (hasRules() ? RULES_HEADER_LENGTH : HEADER_LENGTH);
    }

    /** @return where the code's bytes start in the wrapped buffer. */
    public int codeOffset()
    {
        return domainOffset() + domainLength();
    }

    /** @return where the URL's bytes start in the wrapped buffer. */
    public int urlOffset()
    {
        return codeOffset() + codeLength();
    }

    public String domain()
    {
        return buffer.getStringWithoutLengthUtf8(domainOffset(), domainLength());
    }

    public String code()
    {
        return buffer.getStringWithoutLengthUtf8(codeOffset(), codeLength());
    }

    public String url()
    {
        return buffer.getStringWithoutLengthUtf8(urlOffset(), urlLength());
    }

    /**
     * Write {@code record} at {@code at} in {@code out}, its strings already as UTF-8 bytes (the caller
     * has checked their lengths against {@link LinkRules}).
     *
     * @return the number of bytes written.
     */
    static int write(final LinkRecord record, final byte[] domain, final byte[] code, final byte[] url,
        final MutableDirectBuffer out, final int at)
    {
        final RuleSet ruleSet = record.rules();
        out.putByte(at + VERSION_OFFSET, ruleSet == null ? VERSION_PLAIN : VERSION_RULES);
        out.putByte(at + FLAGS_OFFSET, (byte)record.flags());
        out.putShort(at + STATUS_OFFSET, (short)record.status(), ORDER);
        out.putLong(at + SEQUENCE_OFFSET, record.sequence(), ORDER);
        out.putLong(at + CREATED_AT_OFFSET, record.createdAtMs(), ORDER);
        out.putLong(at + EDITABLE_UNTIL_OFFSET, record.editableUntilMs(), ORDER);
        out.putLong(at + EXPIRES_AT_OFFSET, record.expiresAtMs(), ORDER);
        out.putShort(at + DOMAIN_LENGTH_OFFSET, (short)domain.length, ORDER);
        out.putShort(at + CODE_LENGTH_OFFSET, (short)code.length, ORDER);
        out.putShort(at + URL_LENGTH_OFFSET, (short)url.length, ORDER);
        int position = at + (ruleSet == null ? HEADER_LENGTH : RULES_HEADER_LENGTH);
        out.putBytes(position, domain);
        position += domain.length;
        out.putBytes(position, code);
        position += code.length;
        out.putBytes(position, url);
        position += url.length;
        if (ruleSet != null)
        {
            final int rulesLength = ruleSet.encode(out, position);
            out.putShort(at + RULES_LENGTH_OFFSET, (short)rulesLength, ORDER);
            position += rulesLength;
        }
        return position - at;
    }
}
