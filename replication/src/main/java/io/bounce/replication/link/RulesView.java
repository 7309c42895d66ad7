package io.bounce.replication.link;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;

/**
 * The one flyweight over a link record's rules section ({@link RuleSet}), the only code that knows its layout. The
 * section is a run of sections, each a tag, a length and a payload; targets come in the order they are tried. All
 * integers little-endian, all text UTF-8 (in practice ASCII). Positions passed in and returned are offsets in the
 * wrapped buffer, so the edge walks the section in place, allocating nothing.
 *
 * <pre>
 * Section
 *   0       1            3
 *   +-------+------------+------------------------+
 *   | tag   | len (u16)  | payload (len bytes)    |
 *   +-------+------------+------------------------+
 *
 * TARGET (tag 1) payload
 *   0        1        2          3          4          5            7             9          11
 *   +--------+--------+----------+----------+----------+------------+-------------+----------+
 *   | device | os     | countries| languages| queryMode| nameLen    | valueLen    | urlLen   |
 *   | mask   | mask   | (count)  | (count)  |          | (u16)      | (u16)       | (u16)    |
 *   +--------+--------+----------+----------+----------+------------+-------------+----------+
 *  11: countries (2 bytes each, upper case), languages (each a u8 length and its bytes, lower case),
 *      query name, query value, url (the url ends the payload)
 *
 * VARIANT (tag 2) payload:     weight (u16), url (the rest)
 * EXPIRED_URL (tag 3) payload: url (all of it)
 * PREVIEW (tag 4) payload:     titleLen (u16), descriptionLen (u16), imageLen (u16), title, description, image
 * PASSWORD (tag 5) payload:    the argon2id PHC string of the password ($argon2id$v=19$m=..,t=..,p=..$salt$hash), ASCII
 * </pre>
 *
 * A section of a tag this build does not know makes the whole section unreadable (so a record with rules an edge
 * cannot apply is refused, never served without them). One view belongs to one thread.
 */
public final class RulesView
{
    public static final int TARGET = 1;
    public static final int VARIANT = 2;
    public static final int EXPIRED_URL = 3;
    public static final int PREVIEW = 4;
    public static final int PASSWORD = 5;
    /** How every PASSWORD payload starts: the only algorithm this build checks. */
    static final String PASSWORD_PREFIX = "$argon2id$";

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    public static final int SECTION_HEADER_LENGTH = 3;
    static final int TARGET_FIXED_LENGTH = 11;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    public RulesView wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** @return the position of the first section (equal to {@link #end()} when there is none). */
    public int first()
    {
        return offset;
    }

    /** @return the position just past the last section. */
    public int end()
    {
        return offset + length;
    }

    public int tag(final int section)
    {
        return buffer.getByte(section) & 0xFF;
    }

    /** @return where the section's payload starts. */
    public int payload(final int section)
    {
        return section + SECTION_HEADER_LENGTH;
    }

    public int payloadLength(final int section)
    {
        return buffer.getShort(section + 1, ORDER) & 0xFFFF;
    }

    /** @return the position of the section after {@code section}. */
    public int next(final int section)
    {
        return payload(section) + payloadLength(section);
    }

    // TARGET: p is the section's position

    public int deviceMask(final int p)
    {
        return buffer.getByte(p + SECTION_HEADER_LENGTH) & 0xFF;
    }

    public int osMask(final int p)
    {
        return buffer.getByte(p + SECTION_HEADER_LENGTH + 1) & 0xFF;
    }

    public int countryCount(final int p)
    {
        return buffer.getByte(p + SECTION_HEADER_LENGTH + 2) & 0xFF;
    }

    public int languageCount(final int p)
    {
        return buffer.getByte(p + SECTION_HEADER_LENGTH + 3) & 0xFF;
    }

    public int queryMode(final int p)
    {
        return buffer.getByte(p + SECTION_HEADER_LENGTH + 4) & 0xFF;
    }

    public int queryNameLength(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH + 5, ORDER) & 0xFFFF;
    }

    public int queryValueLength(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH + 7, ORDER) & 0xFFFF;
    }

    /** @return the length of a TARGET's url. */
    public int targetUrlLength(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH + 9, ORDER) & 0xFFFF;
    }

    /** @return where a TARGET's countries start: {@link #countryCount} pairs of upper-case letters. */
    public int countriesOffset(final int p)
    {
        return p + SECTION_HEADER_LENGTH + TARGET_FIXED_LENGTH;
    }

    /** @return where a TARGET's languages start: {@link #languageCount} of (u8 length, bytes). */
    public int languagesOffset(final int p)
    {
        return countriesOffset(p) + 2 * countryCount(p);
    }

    public int targetUrlOffset(final int p)
    {
        return next(p) - targetUrlLength(p);
    }

    public int queryValueOffset(final int p)
    {
        return targetUrlOffset(p) - queryValueLength(p);
    }

    public int queryNameOffset(final int p)
    {
        return queryValueOffset(p) - queryNameLength(p);
    }

    // VARIANT

    public int weight(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH, ORDER) & 0xFFFF;
    }

    public int variantUrlOffset(final int p)
    {
        return p + SECTION_HEADER_LENGTH + 2;
    }

    public int variantUrlLength(final int p)
    {
        return payloadLength(p) - 2;
    }

    // PREVIEW

    public int titleLength(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH, ORDER) & 0xFFFF;
    }

    public int descriptionLength(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH + 2, ORDER) & 0xFFFF;
    }

    public int imageLength(final int p)
    {
        return buffer.getShort(p + SECTION_HEADER_LENGTH + 4, ORDER) & 0xFFFF;
    }

    public int titleOffset(final int p)
    {
        return p + SECTION_HEADER_LENGTH + 6;
    }

    public int descriptionOffset(final int p)
    {
        return titleOffset(p) + titleLength(p);
    }

    public int imageOffset(final int p)
    {
        return descriptionOffset(p) + descriptionLength(p);
    }

    /**
     * @return true if every section is of a known tag and its lengths add up inside it. Read nothing from a view that
     * is not: the other accessors trust the lengths.
     */
    public boolean isWellFormed()
    {
        final int end = end();
        int p = first();
        while (p < end)
        {
            if (end - p < SECTION_HEADER_LENGTH || next(p) > end)
            {
                return false;
            }
            final int payloadLength = payloadLength(p);
            final boolean ok;
            switch (tag(p))
            {
                case TARGET:
                    ok = payloadLength >= TARGET_FIXED_LENGTH && queryMode(p) <= RuleSet.QUERY_EQUALS && languagesFit(p);
                    break;
                case VARIANT:
                    ok = payloadLength >= 2 && weight(p) > 0;
                    break;
                case EXPIRED_URL:
                    ok = true;
                    break;
                case PREVIEW:
                    ok = payloadLength >= 6 && 6 + titleLength(p) + descriptionLength(p) + imageLength(p) == payloadLength;
                    break;
                case PASSWORD:
                    ok = payloadLength > PASSWORD_PREFIX.length() && payloadLength <= RuleSet.MAX_PASSWORD_HASH_LENGTH &&
                        startsWith(payload(p), PASSWORD_PREFIX);
                    break;
                default:
                    ok = false;
                    break;
            }
            if (!ok)
            {
                return false;
            }
            p = next(p);
        }
        return true;
    }

    private boolean startsWith(final int at, final String ascii)
    {
        for (int i = 0; i < ascii.length(); i++)
        {
            if (buffer.getByte(at + i) != ascii.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** A TARGET's countries, languages, query name and value and url fill its payload exactly. */
    private boolean languagesFit(final int p)
    {
        final int tail = queryNameLength(p) + queryValueLength(p) + targetUrlLength(p);
        final int languagesEnd = next(p) - tail;
        int q = languagesOffset(p);
        if (tail > payloadLength(p) || q > languagesEnd)
        {
            return false;
        }
        for (int i = languageCount(p); i > 0; i--)
        {
            if (q >= languagesEnd)
            {
                return false;
            }
            q += 1 + (buffer.getByte(q) & 0xFF);
        }
        return q == languagesEnd;
    }

    /** The rules viewed, as a value (allocates: for the codec and tests, not the redirect path). */
    RuleSet decode()
    {
        final List<RuleSet.Target> targets = new ArrayList<>();
        final List<RuleSet.Variant> variants = new ArrayList<>();
        String expiredUrl = null;
        RuleSet.Preview preview = null;
        String passwordHash = null;
        for (int p = first(); p < end(); p = next(p))
        {
            switch (tag(p))
            {
                case TARGET:
                {
                    final List<String> countries = new ArrayList<>();
                    int q = countriesOffset(p);
                    for (int i = 0; i < countryCount(p); i++, q += 2)
                    {
                        countries.add(text(q, 2));
                    }
                    final List<String> languages = new ArrayList<>();
                    for (int i = 0; i < languageCount(p); i++)
                    {
                        final int n = buffer.getByte(q) & 0xFF;
                        languages.add(text(q + 1, n));
                        q += 1 + n;
                    }
                    targets.add(new RuleSet.Target(deviceMask(p), osMask(p), countries, languages, queryMode(p),
                        text(queryNameOffset(p), queryNameLength(p)), text(queryValueOffset(p), queryValueLength(p)),
                        text(targetUrlOffset(p), targetUrlLength(p))));
                    break;
                }
                case VARIANT:
                    variants.add(new RuleSet.Variant(weight(p), text(variantUrlOffset(p), variantUrlLength(p))));
                    break;
                case EXPIRED_URL:
                    expiredUrl = text(payload(p), payloadLength(p));
                    break;
                case PASSWORD:
                    passwordHash = text(payload(p), payloadLength(p));
                    break;
                default:
                    preview = new RuleSet.Preview(text(titleOffset(p), titleLength(p)), text(descriptionOffset(p), descriptionLength(p)),
                        text(imageOffset(p), imageLength(p)));
                    break;
            }
        }
        return new RuleSet(targets, variants, expiredUrl, preview, passwordHash);
    }

    private String text(final int at, final int n)
    {
        return buffer.getStringWithoutLengthUtf8(at, n);
    }
}
