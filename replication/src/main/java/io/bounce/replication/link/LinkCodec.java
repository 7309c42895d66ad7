package io.bounce.replication.link;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link LinkRecord} to its binary form and back, the form laid out in {@link LinkView}: what the
 * change log carries and what an edge's replica stores as each entry's value. Decoding refuses any
 * version it does not know rather than guess at the layout.
 */
public final class LinkCodec
{
    /** Longest encoded record: header plus the longest domain, code and URL {@link LinkRules} allows, and the largest rules. */
    public static final int MAX_ENCODED_LENGTH = LinkView.RULES_HEADER_LENGTH + LinkRules.MAX_DOMAIN_LENGTH + LinkRules.MAX_CODE_LENGTH +
        LinkRules.MAX_URL_LENGTH + RuleSet.MAX_ENCODED_LENGTH;

    private LinkCodec()
    {
    }

    /** @return the number of bytes {@link #encode(LinkRecord, MutableDirectBuffer, int)} will write. */
    public static int encodedLength(final LinkRecord record)
    {
        final RuleSet rules = record.rules();
        return (rules == null ? LinkView.HEADER_LENGTH : LinkView.RULES_HEADER_LENGTH + rules.encodedLength()) +
            record.domain().getBytes(StandardCharsets.UTF_8).length +
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
     * @throws IllegalArgumentException if a string is longer than {@link LinkRules} allows.
     */
    public static int encode(final LinkRecord record, final MutableDirectBuffer buffer, final int offset)
    {
        final byte[] domain = record.domain().getBytes(StandardCharsets.UTF_8);
        final byte[] code = record.code().getBytes(StandardCharsets.UTF_8);
        final byte[] url = record.url().getBytes(StandardCharsets.UTF_8);
        checkLength("domain", domain.length, LinkRules.MAX_DOMAIN_LENGTH);
        checkLength("code", code.length, LinkRules.MAX_CODE_LENGTH);
        checkLength("url", url.length, LinkRules.MAX_URL_LENGTH);
        return LinkView.write(record, domain, code, url, buffer, offset);
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
        return decode(new LinkView().wrap(buffer, offset, length));
    }

    /**
     * The record a view shows.
     *
     * @throws LinkFormatException if it is not {@link LinkView#isReadable() readable}, or its fields break a record's rules.
     */
    public static LinkRecord decode(final LinkView view)
    {
        if (view.length() < LinkView.HEADER_LENGTH)
        {
            throw new LinkFormatException("record of " + view.length() + " bytes is shorter than its " + LinkView.HEADER_LENGTH +
                "-byte header");
        }
        if (view.version() != LinkView.VERSION_PLAIN && view.version() != LinkView.VERSION_RULES)
        {
            throw new LinkFormatException("link record format version " + view.version() + " is not supported (this build reads " +
                LinkView.VERSION_PLAIN + " and " + LinkView.VERSION_RULES + ")");
        }
        if (!view.isReadable())
        {
            throw new LinkFormatException("record lengths (" + view.domainLength() + "+" + view.codeLength() + "+" + view.urlLength() +
                (view.hasRules() && view.length() >= LinkView.RULES_HEADER_LENGTH ? "+" + view.rulesLength() + " of rules" : "") +
                ") do not match its size " + view.length() + ", or its rules are malformed");
        }
        try
        {
            return new LinkRecord(view.domain(), view.code(), view.url(), view.status(), view.createdAtMs(), view.editableUntilMs(),
                view.expiresAtMs(), view.flags(), view.sequence(), view.hasRules() ? view.rules().decode() : null);
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
