package io.bounce.control;

import io.bounce.control.keys.ApiKey;
import io.bounce.control.store.LinkRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The audit log: one line per committed change (logger {@code io.bounce.audit}), saying what changed and
 * who did it (the key's id and name, never its secret). Written after the commit, so it never names a
 * change that did not happen. With {@code BOUNCE_LOG_FORMAT=json} each key-value is a JSON member.
 */
public final class Audit
{
    private static final Logger LOG = LoggerFactory.getLogger("io.bounce.audit");

    private Audit()
    {
    }

    /** @return a line for {@code action} by {@code who} (null: the service itself), to add details to and {@code log()}. */
    public static LoggingEventBuilder change(final String action, final ApiKey who)
    {
        return LOG.atInfo().setMessage(action)
            .addKeyValue("action", action)
            .addKeyValue("keyId", who == null ? "system" : Long.toString(who.id()))
            .addKeyValue("keyName", who == null ? "system" : who.name());
    }

    /**
     * A change to one link: its domain and code, and its state after the change. The destination is logged
     * by its host alone: a destination's path and query may carry a token (a signed URL, a password-reset
     * link), and a log is read by more people than the link's owner. The store has the whole URL.
     */
    public static void link(final String action, final ApiKey who, final LinkRow row)
    {
        change(action, who).addKeyValue("domain", row.domain).addKeyValue("code", row.code)
            .addKeyValue("destinationHost", hostOf(row.url)).addKeyValue("redirect", row.status).addKeyValue("expiresAt", row.expiresAt)
            .addKeyValue("disabled", row.disabledReason != null).addKeyValue("deleted", row.isDeleted()).log();
    }

    private static String hostOf(final String url)
    {
        if (url == null || url.isEmpty())
        {
            return "-";
        }
        final int start = url.indexOf("://");
        if (start < 0)
        {
            return "-";
        }
        int end = start + 3;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0)
        {
            end++;
        }
        return url.substring(start + 3, end);
    }
}
