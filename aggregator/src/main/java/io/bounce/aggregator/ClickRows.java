package io.bounce.aggregator;

import java.nio.charset.StandardCharsets;

import io.bounce.replication.clicks.ClickFileFormat;

/**
 * Checks the rows of one decompressed click file as its bytes stream past, so that the aggregator
 * can tell an edge "corrupt" (400) before it answers, although the file is counted later, in a
 * batch. Owned by one thread; one instance per file.
 *
 * <p>What it accepts is a subset of what DuckDB's CSV reader, configured as {@link ClickStore}
 * configures it, reads without error, and exactly what edges write:
 * <ul>
 *   <li>valid UTF-8, no control byte but the field tab and the row newline (edges escape or drop
 *       the others; a raw {@code \r} would read as a row end);</li>
 *   <li>every row ended by a newline, exactly ten fields, none longer than a row may be
 *       ({@value #MAX_ROW_BYTES} bytes);</li>
 *   <li>{@code time_ms}: 1 to 13 digits (a time before the year 2286: more would overflow the
 *       store's microsecond timestamps); {@code status}: 100 to 599; {@code edge}: the file's edge;
 *       {@code method}: GET or HEAD; {@code domain}, {@code code} and {@code visitor} not empty
 *       (an empty field reads as NULL).</li>
 * </ul>
 */
final class ClickRows
{
    /** The longest row accepted. Edges cut user agents at 512 bytes and referrers at 1 KiB. */
    static final int MAX_ROW_BYTES = 16 * 1024;

    private static final int FIELDS = ClickFileFormat.COLUMNS.size();
    private static final int TIME = 0;
    private static final int EDGE = 1;
    private static final int DOMAIN = 2;
    private static final int CODE = 3;
    private static final int STATUS = 4;
    private static final int METHOD = 5;
    private static final int VISITOR = 6;
    private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD = "HEAD".getBytes(StandardCharsets.US_ASCII);

    private final byte[] edge;
    private long rows;
    private int field;
    private int fieldBytes;
    private int rowBytes;
    private long number;
    private boolean edgeMatches = true;
    private boolean getMatches = true;
    private boolean headMatches = true;
    /** UTF-8 continuation bytes still expected, and the range the next one must fall in. */
    private int continuation;
    private int low = 0x80;
    private int high = 0xBF;
    private String problem;

    /** @param edge the edge the file belongs to: every row must name it. */
    ClickRows(final String edge)
    {
        this.edge = edge.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Check the next bytes of the file, header row excluded.
     *
     * @return false once the file is known to be corrupt: {@link #problem()} says why.
     */
    boolean check(final byte[] bytes, final int offset, final int length)
    {
        final int end = offset + length;
        for (int i = offset; i < end && problem == null; i++)
        {
            if (continuation == 0 && field != TIME && field != STATUS && field != EDGE && field != METHOD)
            {
                // Fast path (660 MB/s to 1 GB/s): a field with no rule but "text" skips
                // printable ASCII in a tight loop. Signed bytes: >= 0x20 leaves out controls and non-ASCII.
                int j = i;
                while (j < end && bytes[j] >= 0x20 && bytes[j] != 0x7F)
                {
                    j++;
                }
                fieldBytes += j - i;
                rowBytes += j - i;
                i = j;
                if (i == end)
                {
                    return rowBytes <= MAX_ROW_BYTES || fail("a row is longer than " + MAX_ROW_BYTES + " bytes");
                }
            }
            final int b = bytes[i] & 0xFF;
            if (++rowBytes > MAX_ROW_BYTES)
            {
                return fail("a row is longer than " + MAX_ROW_BYTES + " bytes");
            }
            if (continuation > 0)
            {
                if (b < low || b > high)
                {
                    return fail("invalid UTF-8");
                }
                low = 0x80;
                high = 0xBF;
                continuation--;
                fieldBytes++;
                continue;
            }
            if (b == '\t' || b == '\n')
            {
                endField();
                if (b == '\n')
                {
                    endRow();
                }
                else
                {
                    field++;
                }
                continue;
            }
            if (b < 0x20 || b == 0x7F)
            {
                return fail("a control byte 0x" + Integer.toHexString(b) + " in a field");
            }
            if (b >= 0x80)
            {
                startSequence(b);
            }
            else
            {
                byteOfField(b);
            }
            fieldBytes++;
        }
        return problem == null;
    }

    /** @return whether the whole file was good; call after the last bytes. */
    boolean finish()
    {
        if (problem == null && (rowBytes > 0 || continuation > 0))
        {
            fail("the last row has no newline: a truncated file");
        }
        return problem == null;
    }

    long rows()
    {
        return rows;
    }

    String problem()
    {
        return problem;
    }

    private void startSequence(final int b)
    {
        if (b >= 0xC2 && b <= 0xDF)
        {
            continuation = 1;
        }
        else if (b >= 0xE0 && b <= 0xEF)
        {
            continuation = 2;
            low = b == 0xE0 ? 0xA0 : 0x80; // no overlong forms
            high = b == 0xED ? 0x9F : 0xBF; // no surrogates
        }
        else if (b >= 0xF0 && b <= 0xF4)
        {
            continuation = 3;
            low = b == 0xF0 ? 0x90 : 0x80;
            high = b == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
        }
        else
        {
            fail("invalid UTF-8");
            return;
        }
        byteOfField(b); // not a digit and not in GET, HEAD or an edge id: the field checks fail as they should
    }

    private void byteOfField(final int b)
    {
        switch (field)
        {
            case TIME:
            case STATUS:
                if (b < '0' || b > '9' || fieldBytes >= (field == TIME ? 13 : 3))
                {
                    fail(field == TIME ? "time_ms is not a number of milliseconds" : "status is not an HTTP status");
                    return;
                }
                number = number * 10 + (b - '0');
                break;
            case EDGE:
                edgeMatches &= fieldBytes < edge.length && edge[fieldBytes] == b;
                break;
            case METHOD:
                getMatches &= fieldBytes < GET.length && GET[fieldBytes] == b;
                headMatches &= fieldBytes < HEAD.length && HEAD[fieldBytes] == b;
                break;
            default:
                break;
        }
    }

    private void endField()
    {
        if (continuation > 0)
        {
            fail("invalid UTF-8");
            return;
        }
        if (field >= FIELDS)
        {
            fail("a row has more than " + FIELDS + " fields");
            return;
        }
        switch (field)
        {
            case TIME:
                if (fieldBytes == 0)
                {
                    fail("time_ms is empty");
                }
                break;
            case STATUS:
                if (number < 100 || number > 599)
                {
                    fail("status is not an HTTP status");
                }
                break;
            case EDGE:
                if (!edgeMatches || fieldBytes != edge.length)
                {
                    fail("a row names an edge other than " + new String(edge, StandardCharsets.US_ASCII));
                }
                break;
            case METHOD:
                if (!(getMatches && fieldBytes == GET.length) && !(headMatches && fieldBytes == HEAD.length))
                {
                    fail("method is neither GET nor HEAD");
                }
                break;
            case DOMAIN:
            case CODE:
            case VISITOR:
                if (fieldBytes == 0)
                {
                    fail(ClickFileFormat.COLUMNS.get(field) + " is empty");
                }
                break;
            default:
                break;
        }
        fieldBytes = 0;
        number = 0;
    }

    private void endRow()
    {
        if (problem == null && field != FIELDS - 1)
        {
            fail("a row has " + (field + 1) + " fields, not " + FIELDS);
        }
        rows++;
        field = 0;
        rowBytes = 0;
        edgeMatches = true;
        getMatches = true;
        headMatches = true;
    }

    private boolean fail(final String why)
    {
        if (problem == null)
        {
            problem = "row " + (rows + 1) + ": " + why;
        }
        return false;
    }
}
