package io.bounce.control.links;

/**
 * What a caller asked for, after the JSON was parsed and typed. For an update, a field is only
 * applied when its {@code has...} flag is set; {@code expiresAt == null} with {@link #hasExpiresAt}
 * clears the expiry.
 */
public final class LinkSpec
{
    public String url;
    public String alias;
    public String domain;
    public Long expiresAt;
    public boolean hasExpiresAt;
    public Integer redirect;
    public Boolean forwardQuery;
    /** Create it taken down, with this reason: restoring an export (admin only). */
    public String disabledReason;
    /** The most human clicks the link takes; null with {@link #hasMaxClicks} removes the limit. */
    public Integer maxClicks;
    public boolean hasMaxClicks;
    /** The rule fields the request holds ({@link LinkRuleSpec#FIELDS}; JSON null removes one), or null when it holds none. */
    public com.fasterxml.jackson.databind.node.ObjectNode rules;
    /** Its tags; null with {@link #hasTags} (or an empty list) removes them all. */
    public java.util.List<String> tags;
    public boolean hasTags;
}
