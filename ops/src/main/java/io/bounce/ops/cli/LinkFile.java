package io.bounce.ops.cli;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The link file {@code links export} writes and {@code links import} (and {@code bounce edge --import})
 * reads: one link a line, tab-separated (or comma-separated, RFC 4180 quoting, for {@code .csv}), columns
 * {@value #HEADER}. Only code and url are required; an empty code gets a random one. Export writes every
 * column and a header line; import skips a header line (first field {@code code}), blank lines and
 * {@code #} comments. Free text (the takedown reason) is written with {@code \t}, {@code \n}, {@code \r}
 * and {@code \\} escaped, so a line is always one line.
 */
final class LinkFile
{
    static final String HEADER = "code\turl\tredirect\tdomain\tforwardQuery\texpiresAt\tdisabledReason";
    static final int MAX_FIELDS = 7;

    private LinkFile()
    {
    }

    /** A line as export writes it, from the API's JSON for one link. */
    static String line(final JsonNode link)
    {
        final JsonNode expires = link.get("expiresAt");
        final JsonNode reason = link.get("disabledReason");
        return link.get("code").asText() + '\t' + link.get("url").asText() + '\t' + link.get("redirect").asText() + '\t' +
            link.get("domain").asText() + '\t' + link.get("forwardQuery").asBoolean() + '\t' +
            (expires == null || expires.isNull() ? "" : expires.asText()) + '\t' +
            (reason == null || reason.isNull() ? "" : escape(reason.asText())) + '\n';
    }

    /** What one line of a file is. */
    record Parsed(Map<String, Object> item, String skip, String problem)
    {
    }

    /**
     * @param csv    whether the line is comma-separated.
     * @param nowMs  links that expired before it are skipped: re-created they would only answer 410.
     * @return the bulk item to send, or why the line is skipped (not a failure), or the problem with it.
     */
    static Parsed parse(final String line, final boolean csv, final long nowMs)
    {
        if (line.isBlank() || line.startsWith("#"))
        {
            return new Parsed(null, "comment", null);
        }
        final List<String> fields = csv ? splitCsv(line) : List.of(line.split("\t", -1));
        if (fields.get(0).strip().equalsIgnoreCase("code") && fields.size() > 1 && fields.get(1).strip().equalsIgnoreCase("url"))
        {
            return new Parsed(null, "header", null);
        }
        if (fields.size() < 2 || fields.size() > MAX_FIELDS)
        {
            return new Parsed(null, null, "expected " + HEADER.replace('\t', ',') + " (code and url required), found " +
                fields.size() + " field(s) [line-format]");
        }
        final Map<String, Object> item = new LinkedHashMap<>();
        if (!fields.get(0).isEmpty())
        {
            item.put("alias", fields.get(0));
        }
        item.put("url", fields.get(1));
        if (fields.size() > 2 && !fields.get(2).isEmpty())
        {
            try
            {
                item.put("redirect", Integer.parseInt(fields.get(2).strip()));
            }
            catch (final NumberFormatException ex)
            {
                item.put("redirect", fields.get(2)); // the server names the rule
            }
        }
        if (fields.size() > 3 && !fields.get(3).isEmpty())
        {
            item.put("domain", fields.get(3));
        }
        if (fields.size() > 4 && !fields.get(4).isEmpty())
        {
            final String forward = fields.get(4).strip().toLowerCase(Locale.ROOT);
            if (!forward.equals("true") && !forward.equals("false"))
            {
                return new Parsed(null, null, "forwardQuery must be true or false, was '" + fields.get(4) + "' [line-format]");
            }
            item.put("forwardQuery", Boolean.parseBoolean(forward));
        }
        if (fields.size() > 5 && !fields.get(5).isEmpty())
        {
            final long expiresMs;
            try
            {
                expiresMs = OffsetDateTime.parse(fields.get(5).strip()).toInstant().toEpochMilli();
            }
            catch (final DateTimeParseException | ArithmeticException ex)
            {
                return new Parsed(null, null, "expiresAt must be an RFC 3339 timestamp, was '" + fields.get(5) + "' [line-format]");
            }
            if (expiresMs <= nowMs)
            {
                return new Parsed(null, "expired " + Instant.ofEpochMilli(expiresMs), null);
            }
            item.put("expiresAt", fields.get(5).strip());
        }
        if (fields.size() > 6 && !fields.get(6).isEmpty())
        {
            item.put("disabledReason", csv ? fields.get(6) : unescape(fields.get(6)));
        }
        return new Parsed(item, null, null);
    }

    static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String unescape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c != '\\' || i + 1 == text.length())
            {
                out.append(c);
                continue;
            }
            final char next = text.charAt(++i);
            switch (next)
            {
                case 't' -> out.append('\t');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                default -> out.append(next);
            }
        }
        return out.toString();
    }

    /** Just enough CSV (RFC 4180): commas, double-quoted fields, doubled quotes inside them. */
    static List<String> splitCsv(final String line)
    {
        final List<String> fields = new ArrayList<>();
        final StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if (quoted)
            {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"')
                {
                    field.append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.add(field.toString());
                field.setLength(0);
            }
            else
            {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
