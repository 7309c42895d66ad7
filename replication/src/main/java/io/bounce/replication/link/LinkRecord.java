package io.bounce.replication.link;

import java.util.Objects;

/**
 * One link as the control plane commits it and every edge serves it: immutable, validated on
 * construction. Times are epoch milliseconds; {@code expiresAtMs == 0} means the link never expires.
 */
public final class LinkRecord
{
    /** The link has been disabled for abuse (takedown): edges answer 451. */
    public static final int FLAG_DISABLED = 1;
    /** The request's query string is appended to the destination. */
    public static final int FLAG_FORWARD_QUERY = 1 << 1;
    /** The link was deleted (tombstone): edges answer 410 and the code is never reused. */
    public static final int FLAG_DELETED = 1 << 2;

    /**
     * The link sets UTM parameters (already in its destinations): a forwarded query's own {@code utm_*} parameters are
     * dropped, so the link's campaign is the one a destination sees.
     */
    public static final int FLAG_UTM = 1 << 3;

    /** The link has taken its most clicks ({@code maxClicks}): edges answer as for an expired link (410, or its expiredUrl). */
    public static final int FLAG_LIMITED = 1 << 4;

    static final int KNOWN_FLAGS = FLAG_DISABLED | FLAG_FORWARD_QUERY | FLAG_DELETED | FLAG_UTM | FLAG_LIMITED;

    private final String domain;
    private final String code;
    private final String url;
    private final int status;
    private final long createdAtMs;
    private final long editableUntilMs;
    private final long expiresAtMs;
    private final int flags;
    private final long sequence;
    private final RuleSet rules;

    public LinkRecord(
        final String domain,
        final String code,
        final String url,
        final int status,
        final long createdAtMs,
        final long editableUntilMs,
        final long expiresAtMs,
        final int flags,
        final long sequence)
    {
        this(domain, code, url, status, createdAtMs, editableUntilMs, expiresAtMs, flags, sequence, null);
    }

    /** @param rules what the link answers each visitor differently, or null (an empty set is taken as null). */
    public LinkRecord(
        final String domain,
        final String code,
        final String url,
        final int status,
        final long createdAtMs,
        final long editableUntilMs,
        final long expiresAtMs,
        final int flags,
        final long sequence,
        final RuleSet rules)
    {
        this.domain = Objects.requireNonNull(domain, "domain");
        this.code = Objects.requireNonNull(code, "code");
        this.url = Objects.requireNonNull(url, "url");
        if (!LinkRules.isRedirectStatus(status))
        {
            throw new IllegalArgumentException("redirect status must be 301, 302, 307 or 308: " + status);
        }
        if ((flags & ~KNOWN_FLAGS) != 0)
        {
            throw new IllegalArgumentException("unknown flags: 0x" + Integer.toHexString(flags));
        }
        if (expiresAtMs < 0 || sequence < 0)
        {
            throw new IllegalArgumentException("expiresAtMs and sequence must not be negative");
        }
        this.status = status;
        this.createdAtMs = createdAtMs;
        this.editableUntilMs = editableUntilMs;
        this.expiresAtMs = expiresAtMs;
        this.flags = flags;
        this.sequence = sequence;
        this.rules = rules == null || rules.isEmpty() ? null : rules;
    }

    /** @return what the link answers each visitor differently, or null when it has no rules. */
    public RuleSet rules()
    {
        return rules;
    }

    public String domain()
    {
        return domain;
    }

    public String code()
    {
        return code;
    }

    public String url()
    {
        return url;
    }

    public int status()
    {
        return status;
    }

    public long createdAtMs()
    {
        return createdAtMs;
    }

    public long editableUntilMs()
    {
        return editableUntilMs;
    }

    /** @return expiry in epoch milliseconds, or 0 when the link never expires. */
    public long expiresAtMs()
    {
        return expiresAtMs;
    }

    public int flags()
    {
        return flags;
    }

    public boolean hasFlag(final int flag)
    {
        return (flags & flag) != 0;
    }

    /** @return the change-log sequence that produced this record, 0 for records imported outside the log. */
    public long sequence()
    {
        return sequence;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof LinkRecord))
        {
            return false;
        }
        final LinkRecord that = (LinkRecord)o;
        return status == that.status && createdAtMs == that.createdAtMs &&
            editableUntilMs == that.editableUntilMs && expiresAtMs == that.expiresAtMs &&
            flags == that.flags && sequence == that.sequence &&
            domain.equals(that.domain) && code.equals(that.code) && url.equals(that.url) && Objects.equals(rules, that.rules);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(domain, code, url, status, createdAtMs, editableUntilMs, expiresAtMs, flags, sequence, rules);
    }

    @Override
    public String toString()
    {
        return "LinkRecord{" + domain + '/' + code + " -> " + url + ", status=" + status +
            ", createdAtMs=" + createdAtMs + ", editableUntilMs=" + editableUntilMs +
            ", expiresAtMs=" + expiresAtMs + ", flags=" + flags + ", sequence=" + sequence +
            (rules == null ? "" : ", rules=" + rules) + '}';
    }
}
