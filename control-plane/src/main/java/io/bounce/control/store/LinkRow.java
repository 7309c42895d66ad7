package io.bounce.control.store;

import io.bounce.control.links.LinkRuleSpec;
import io.bounce.replication.link.LinkRecord;

/** One row of {@code links}: a link as the control plane keeps it, owner and takedown reason included. */
public final class LinkRow
{
    public long id;
    public String domain;
    public String code;
    public String url;
    public int status;
    public boolean forwardQuery;
    public long createdAt;
    public long editableUntil;
    /** 0 = never. */
    public long expiresAt;
    /** null unless taken down. */
    public String disabledReason;
    /** 0 unless deleted. */
    public long deletedAt;
    public long ownerKeyId;
    /** Its tags, lower-case, comma-separated, in the order given; null for none. The edges never see them. */
    public String tags;
    public long seq;
    /** The link's rules as the API's canonical JSON ({@link io.bounce.control.links.LinkRuleSpec}), or null. */
    public String rules;
    /** The most human clicks the link takes, 0 for no limit. */
    public long maxClicks;
    /** When the control plane saw the limit reached (edges then answer as for an expired link), 0 before. */
    public long limitedAt;

    public boolean isDeleted()
    {
        return deletedAt != 0;
    }

    /** The record edges serve, as of change-log sequence {@code seq}. */
    public LinkRecord toRecord()
    {
        int flags = 0;
        if (forwardQuery)
        {
            flags |= LinkRecord.FLAG_FORWARD_QUERY;
        }
        if (disabledReason != null)
        {
            flags |= LinkRecord.FLAG_DISABLED;
        }
        if (deletedAt != 0)
        {
            flags |= LinkRecord.FLAG_DELETED;
        }
        if (limitedAt != 0)
        {
            flags |= LinkRecord.FLAG_LIMITED;
        }
        if (rules == null)
        {
            return new LinkRecord(domain, code, deletedAt != 0 ? "" : url, status, createdAt, editableUntil, expiresAt, flags, seq);
        }
        final LinkRuleSpec.Compiled compiled = LinkRuleSpec.compile(deletedAt != 0 ? "" : url, rules, deletedAt != 0);
        return new LinkRecord(domain, code, compiled.url(), status, createdAt, editableUntil, expiresAt,
            compiled.utm() ? flags | LinkRecord.FLAG_UTM : flags, seq, compiled.rules());
    }
}
