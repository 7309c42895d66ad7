package io.bounce.replication.clicks;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Click files, version 2: what an edge writes and ships and what the aggregator ingests. Version 2 added the
 * {@code destination} column (which of a link's rules a click followed); the aggregator still takes version 1 files,
 * told apart by their header row, as clicks to the link's own URL.
 *
 * <p>A file is one LZ4 frame (block and content checksums on; {@code lz4 -d} reads it) of UTF-8 text
 * in ClickHouse's {@code TabSeparatedWithNames} format: a header row of the {@link #COLUMNS}, then
 * one row per event, fields separated by a tab, rows ended by a newline, and in every field a
 * backslash, tab, newline or carriage return written as {@code \\}, {@code \t}, {@code \n},
 * {@code \r}, and any other control character as {@code \xHH}. Text fields are valid UTF-8: an edge
 * replaces an invalid sequence with U+FFFD and cuts a long value on a character boundary.
 *
 * <p>Identity: {@code <edge>-<sequence>.tsv.lz4}, the edge's id and a per-edge file sequence that
 * survives restarts. The aggregator counts a file once per identity. Shipping:
 * {@code PUT /ingest/v1/clicks/<edge>/<sequence>} with {@code Authorization: Bearer <token>}; 200 =
 * durable at the aggregator, to be counted once (or already there), 400 = the file is corrupt (the
 * edge quarantines it), anything else = try again later.
 */
public final class ClickFileFormat
{
    /**
     * The columns, in order. {@code visitor} is a keyed hash of the client IP, never the IP. {@code destination} is
     * empty for the link's own URL, else {@code target-N} or {@code variant-N} (from 1, in the link's order) or
     * {@code expired} (its expiredUrl).
     */
    public static final List<String> COLUMNS = List.of(
        "time_ms", "edge", "domain", "code", "status", "method", "visitor", "country", "user_agent", "referrer", "destination");
    public static final String HEADER = String.join("\t", COLUMNS) + "\n";
    /** Version 1's header: the same columns but {@code destination}. */
    public static final String HEADER_V1 = String.join("\t", COLUMNS.subList(0, COLUMNS.size() - 1)) + "\n";
    public static final String SUFFIX = ".tsv.lz4";
    public static final String INGEST_PATH = "/ingest/v1/clicks/";
    /** Edge ids: what may appear in a file name and a URL path segment. */
    public static final Pattern EDGE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    public static final int MAX_USER_AGENT_BYTES = 512;
    public static final int MAX_REFERRER_BYTES = 1024;

    private static final Pattern FILE_NAME = Pattern.compile("(" + EDGE_ID.pattern() + ")-(\\d{1,18})" + Pattern.quote(SUFFIX));

    private ClickFileFormat()
    {
    }

    public static String fileName(final String edge, final long sequence)
    {
        return edge + "-" + String.format("%012d", sequence) + SUFFIX;
    }

    /** A click file's identity: the edge that wrote it and its sequence there. */
    public record Identity(String edge, long sequence)
    {
        public String fileName()
        {
            return ClickFileFormat.fileName(edge, sequence);
        }
    }

    /** @return the identity a click file's name gives, or null if it is not a click file's name. */
    public static Identity identityOf(final String fileName)
    {
        final Matcher m = FILE_NAME.matcher(fileName);
        return m.matches() ? new Identity(m.group(1), Long.parseLong(m.group(2))) : null;
    }

    /** @return the sequence in a click file's name, or -1 if the name is not one of {@code edge}'s files. */
    public static long sequenceOf(final String fileName, final String edge)
    {
        final Matcher m = FILE_NAME.matcher(fileName);
        return m.matches() && m.group(1).equals(edge) ? Long.parseLong(m.group(2)) : -1;
    }

    /** Append {@code value} to {@code out} escaped as TabSeparated expects. */
    public static void escape(final CharSequence value, final StringBuilder out)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '\\':
                    out.append("\\\\");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                default:
                    if (c < 0x20 || c == 0x7F)
                    {
                        out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                    }
                    else
                    {
                        out.append(c);
                    }
            }
        }
    }

    /** Undo {@link #escape}: one field's text as it was. */
    public static String unescape(final String field)
    {
        if (field.indexOf('\\') < 0)
        {
            return field;
        }
        final StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++)
        {
            i = unescapeAt(field, i, out);
        }
        return out.toString();
    }

    /** Append the character at {@code i} (or the escape starting there) to {@code out}; @return the index of its last char. */
    private static int unescapeAt(final CharSequence text, final int i, final StringBuilder out)
    {
        final char c = text.charAt(i);
        if (c != '\\' || i + 1 == text.length())
        {
            out.append(c);
            return i;
        }
        final char e = text.charAt(i + 1);
        if (e == 'x' && i + 3 < text.length() && Character.digit(text.charAt(i + 2), 16) >= 0 && Character.digit(text.charAt(i + 3), 16) >= 0)
        {
            out.append((char)(Character.digit(text.charAt(i + 2), 16) * 16 + Character.digit(text.charAt(i + 3), 16)));
            return i + 3;
        }
        out.append(e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e);
        return i + 1;
    }

    /**
     * Split one row into its fields, undoing the escapes.
     *
     * @return the fields, or null if the row is malformed (wrong field count, a dangling backslash).
     */
    public static String[] split(final String row)
    {
        if (row.indexOf('\\') < 0)
        {
            return splitPlain(row); // the common case: nothing escaped, fields are substrings
        }
        final String[] fields = new String[COLUMNS.size()];
        final StringBuilder field = new StringBuilder();
        int n = 0;
        for (int i = 0; i < row.length(); i++)
        {
            final char c = row.charAt(i);
            if (c == '\t')
            {
                if (n == fields.length - 1)
                {
                    return null;
                }
                fields[n++] = field.toString();
                field.setLength(0);
            }
            else if (c == '\\')
            {
                if (i + 1 == row.length())
                {
                    return null;
                }
                i = unescapeAt(row, i, field);
            }
            else
            {
                field.append(c);
            }
        }
        if (n != fields.length - 1)
        {
            return null;
        }
        fields[n] = field.toString();
        return fields;
    }

    private static String[] splitPlain(final String row)
    {
        final String[] fields = new String[COLUMNS.size()];
        int start = 0;
        for (int n = 0; n < fields.length - 1; n++)
        {
            final int tab = row.indexOf('\t', start);
            if (tab < 0)
            {
                return null;
            }
            fields[n] = row.substring(start, tab);
            start = tab + 1;
        }
        if (row.indexOf('\t', start) >= 0)
        {
            return null;
        }
        fields[fields.length - 1] = row.substring(start);
        return fields;
    }
}
