package io.bounce.control.api;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.ControlPlaneConfig;
import io.bounce.control.store.LinkRow;

/** A link as the API shows it, with the short URL built from the configured scheme and port. */
final class LinkJson
{
    private final String scheme;
    private final int port;

    LinkJson(final ControlPlaneConfig config)
    {
        this.scheme = config.shortUrlScheme();
        this.port = config.shortUrlPort();
    }

    /** @return the link's short URL, as the API shows it and its QR code carries it. */
    String shortUrl(final LinkRow row)
    {
        return scheme + "://" + row.domain + (port == 0 ? "" : ":" + port) + "/" + row.code;
    }

    ObjectNode render(final LinkRow row)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("code", row.code);
        out.put("shortUrl", shortUrl(row));
        out.put("url", row.url);
        out.put("domain", row.domain);
        out.put("createdAt", Instant.ofEpochMilli(row.createdAt).toString());
        out.put("editableUntil", Instant.ofEpochMilli(row.editableUntil).toString());
        if (row.expiresAt == 0)
        {
            out.putNull("expiresAt");
        }
        else
        {
            out.put("expiresAt", Instant.ofEpochMilli(row.expiresAt).toString());
        }
        out.put("redirect", row.status);
        out.put("forwardQuery", row.forwardQuery);
        out.put("disabled", row.disabledReason != null);
        if (row.disabledReason != null)
        {
            out.put("disabledReason", row.disabledReason);
        }
        final com.fasterxml.jackson.databind.node.ArrayNode tags = out.putArray("tags");
        if (row.tags != null)
        {
            for (final String tag : row.tags.split(","))
            {
                tags.add(tag);
            }
        }
        io.bounce.control.links.LinkRuleSpec.render(row.rules, out);
        if (row.maxClicks > 0)
        {
            out.put("maxClicks", row.maxClicks);
            out.put("limitReached", row.limitedAt != 0);
            if (row.limitedAt != 0)
            {
                out.put("limitReachedAt", Instant.ofEpochMilli(row.limitedAt).toString());
            }
        }
        return out;
    }
}
