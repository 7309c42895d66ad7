package io.bounce.aggregator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import io.bounce.replication.clicks.ClickFileFormat;

/**
 * Passes the rows of one decompressed click file, as its bytes stream past, to the staged copy the
 * store will read, so that no single row can cost a file its other rows. Owned by one thread; one
 * instance per file.
 *
 * <p>A row goes through as it is when it is what edges write, which is also a subset of what DuckDB's
 * CSV reader, configured as {@link ClickStore} configures it, reads without error:
 * <ul>
 *   <li>exactly eleven fields (ten in a version 1 file, whose rows pass with the empty {@code destination}
 *       version 2 adds), no row longer than {@value #MAX_ROW_BYTES} bytes, valid UTF-8 and no
 *       control byte but the field tab and the row newline (edges escape the others);</li>
 *   <li>{@code time_ms}: 1 to 13 digits (a time before the year 2286: more would overflow the store's
 *       microsecond timestamps); {@code status}: 100 to 599; {@code edge}: the file's edge;
 *       {@code method}: GET or HEAD; {@code domain}, {@code code} and {@code visitor} not empty (an
 *       empty field reads as NULL).</li>
 * </ul>
 * A row whose only fault is in its free text ({@code country}, {@code user_agent}, {@code referrer}:
 * an invalid UTF-8 sequence, a control byte) is <b>repaired</b>: each invalid sequence becomes U+FFFD,
 * each control byte goes, and the click counts. A row that breaks a rule of the others cannot be
 * counted as what it claims; it is <b>set aside</b> (kept for a person, not counted) with its reason.
 * Both are counted ({@link #repaired()}, {@link #setAside()}).
 */
final class ClickRows
{
    /** The longest row accepted. Edges cut user agents at 512 bytes and referrers at 1 KiB. */
    static final int MAX_ROW_BYTES = 16 * 1024;

    /** Why a row was set aside. */
    enum Fault
    {
        TOO_LONG, FIELD_COUNT, TIME, EDGE, KEY, STATUS, METHOD, NO_NEWLINE;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final int TIME = 0;
    private static final int EDGE = 1;
    private static final int DOMAIN = 2;
    private static final int CODE = 3;
    private static final int STATUS = 4;
    private static final int METHOD = 5;
    private static final int VISITOR = 6;
    private static final int FIRST_TEXT = 7;
    private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD = "HEAD".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REPLACEMENT = {(byte)0xEF, (byte)0xBF, (byte)0xBD};

    private final byte[] edge;
    private final OutputStream out;
    private final OutputStream setAsideOut;
    /** A row that began in an earlier chunk. */
    private final byte[] carry = new byte[MAX_ROW_BYTES + 1];
    private int carried;
    private boolean carryTooLong;
    private final byte[] repairedRow = new byte[3 * (MAX_ROW_BYTES + 1)];
    /** Fields a row has: eleven, or ten in a version 1 file. */
    private final int fields;
    /** What ends a row in the staged copy: a newline, after an empty destination for a version 1 row. */
    private final byte[] rowEnd;
    private final int[] fieldEnds = new int[ClickFileFormat.COLUMNS.size()];
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
    private long rows;
    private long repaired;
    private long setAside;

    /**
     * @param edge     the edge the file belongs to: every row must name it.
     * @param out      where the rows that count go.
     * @param setAside where the rows set aside go, each as it came and newline-ended.
     * @param version1 the file is version 1 (its header said so): rows of ten fields, staged with an eleventh, empty.
     */
    ClickRows(final String edge, final OutputStream out, final OutputStream setAside, final boolean version1)
    {
        this.fields = ClickFileFormat.COLUMNS.size() - (version1 ? 1 : 0);
        this.rowEnd = version1 ? new byte[] {'\t', '\n'} : new byte[] {'\n'};
        this.edge = edge.getBytes(StandardCharsets.US_ASCII);
        this.out = out;
        this.setAsideOut = setAside;
    }

    /** The next bytes of the file, header row excluded. */
    void write(final byte[] bytes, final int offset, final int length) throws IOException
    {
        final int end = offset + length;
        int rowStart = offset;
        int runStart = offset; // good rows in place since here, written as one
        while (rowStart < end)
        {
            final int newline = indexOf(bytes, rowStart, end);
            if (newline < 0)
            {
                out.write(bytes, runStart, rowStart - runStart);
                carry(bytes, rowStart, end);
                return;
            }
            if (carried > 0 || carryTooLong)
            {
                carry(bytes, rowStart, newline);
                row(carry, 0, carried, carryTooLong);
                carried = 0;
                carryTooLong = false;
                runStart = newline + 1;
            }
            else if (!isGood(bytes, rowStart, newline))
            {
                out.write(bytes, runStart, rowStart - runStart);
                row(bytes, rowStart, newline, false);
                runStart = newline + 1;
            }
            else if (fields < ClickFileFormat.COLUMNS.size())
            {
                rows++; // a version 1 row: written alone, with the field it lacks
                out.write(bytes, runStart, newline - runStart);
                out.write(rowEnd);
                runStart = newline + 1;
            }
            else
            {
                rows++;
            }
            rowStart = newline + 1;
        }
        out.write(bytes, runStart, end - runStart);
    }

    /** The file has ended: a last row without its newline (a truncated file) is set aside. */
    void finish() throws IOException
    {
        if (carried > 0 || carryTooLong)
        {
            setAside(carry, 0, carried, Fault.NO_NEWLINE);
            carried = 0;
            carryTooLong = false;
        }
    }

    /** @return rows that count, repaired ones included. */
    long rows()
    {
        return rows;
    }

    long repaired()
    {
        return repaired;
    }

    long setAside()
    {
        return setAside;
    }

    /** @return how many rows were set aside for each reason. */
    Map<Fault, Long> faults()
    {
        return faults;
    }

    private void carry(final byte[] bytes, final int from, final int to)
    {
        final int room = carry.length - carried;
        final int n = Math.min(room, to - from);
        System.arraycopy(bytes, from, carry, carried, n);
        carried += n;
        carryTooLong |= n < to - from;
    }

    /** A row that is not plainly good (or that began in an earlier chunk): pass, repair or set aside. */
    private void row(final byte[] bytes, final int start, final int end, final boolean tooLong) throws IOException
    {
        if (tooLong || end - start > MAX_ROW_BYTES)
        {
            setAside(bytes, start, end, Fault.TOO_LONG);
            return;
        }
        final Fault fault = structuralFault(bytes, start, end);
        if (fault != null)
        {
            setAside(bytes, start, end, fault);
            return;
        }
        if (isGood(bytes, start, end))
        {
            rows++;
            out.write(bytes, start, end - start);
            out.write(rowEnd);
            return;
        }
        final int n = repair(bytes, start, end);
        rows++;
        repaired++;
        out.write(repairedRow, 0, n);
        out.write(rowEnd);
    }

    /** The fast test: the whole row as edges write it. Most rows take only this. */
    private boolean isGood(final byte[] bytes, final int start, final int end)
    {
        return end - start <= MAX_ROW_BYTES && structuralFault(bytes, start, end) == null && textIsClean(bytes, fieldEnds[FIRST_TEXT - 1] + 1, end);
    }

    /** @return what makes the row uncountable, or null; fills {@link #fieldEnds}. */
    private Fault structuralFault(final byte[] bytes, final int start, final int end)
    {
        int field = 0;
        for (int i = start; i < end; i++)
        {
            if (bytes[i] == '\t')
            {
                if (field == fields - 1)
                {
                    return Fault.FIELD_COUNT;
                }
                fieldEnds[field++] = i;
            }
        }
        if (field != fields - 1)
        {
            return Fault.FIELD_COUNT;
        }
        fieldEnds[fields - 1] = end;
        if (!isDigits(bytes, start, fieldEnds[TIME], 13))
        {
            return Fault.TIME;
        }
        if (!equalsField(bytes, fieldEnds[TIME] + 1, fieldEnds[EDGE], edge))
        {
            return Fault.EDGE;
        }
        if (!isKey(bytes, fieldEnds[EDGE] + 1, fieldEnds[DOMAIN]) || !isKey(bytes, fieldEnds[DOMAIN] + 1, fieldEnds[CODE]) ||
            !isKey(bytes, fieldEnds[METHOD] + 1, fieldEnds[VISITOR]))
        {
            return Fault.KEY;
        }
        final int statusStart = fieldEnds[CODE] + 1;
        if (!isDigits(bytes, statusStart, fieldEnds[STATUS], 3) || fieldEnds[STATUS] - statusStart != 3 ||
            bytes[statusStart] < '1' || bytes[statusStart] > '5')
        {
            return Fault.STATUS;
        }
        final int methodStart = fieldEnds[STATUS] + 1;
        if (!equalsField(bytes, methodStart, fieldEnds[METHOD], GET) && !equalsField(bytes, methodStart, fieldEnds[METHOD], HEAD))
        {
            return Fault.METHOD;
        }
        return null;
    }

    /**
     * The row with its free text made clean (structural fields as they are, each invalid UTF-8
     * sequence in the text as U+FFFD, control bytes gone) into {@link #repairedRow}.
     *
     * @return its length.
     */
    private int repair(final byte[] bytes, final int start, final int end)
    {
        final int textStart = fieldEnds[FIRST_TEXT - 1] + 1;
        int n = textStart - start;
        System.arraycopy(bytes, start, repairedRow, 0, n);
        int i = textStart;
        while (i < end)
        {
            final int b = bytes[i] & 0xFF;
            if (b < 0x80)
            {
                if (b >= 0x20 && b != 0x7F || b == '\t')
                {
                    repairedRow[n++] = (byte)b;
                }
                i++;
                continue;
            }
            final int length = sequenceLength(bytes, i, end);
            if (length > 0)
            {
                System.arraycopy(bytes, i, repairedRow, n, length);
                n += length;
                i += length;
            }
            else
            {
                System.arraycopy(REPLACEMENT, 0, repairedRow, n, REPLACEMENT.length);
                n += REPLACEMENT.length;
                i += -length;
            }
        }
        return n;
    }

    private void setAside(final byte[] bytes, final int start, final int end, final Fault fault) throws IOException
    {
        setAside++;
        faults.merge(fault, 1L, Long::sum);
        setAsideOut.write(bytes, start, end - start);
        setAsideOut.write('\n');
    }

    /** Printable ASCII, tabs and valid UTF-8 only. */
    private static boolean textIsClean(final byte[] bytes, final int start, final int end)
    {
        int i = start;
        while (i < end)
        {
            final byte b = bytes[i];
            if (b >= 0x20 && b != 0x7F || b == '\t')
            {
                i++; // signed: >= 0x20 leaves out controls and everything past ASCII
                continue;
            }
            if (b >= 0)
            {
                return false;
            }
            final int length = sequenceLength(bytes, i, end);
            if (length <= 0)
            {
                return false;
            }
            i += length;
        }
        return true;
    }

    /**
     * @return the length of the valid UTF-8 sequence at {@code at}, or minus the length of the
     * maximal invalid subpart there (what one U+FFFD replaces).
     */
    private static int sequenceLength(final byte[] bytes, final int at, final int end)
    {
        final int b = bytes[at] & 0xFF;
        final int needed = b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2 : b >= 0xF0 && b <= 0xF4 ? 3 : 0;
        int low = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80; // no overlong forms
        int high = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF; // no surrogates, nothing past U+10FFFF
        int k = 1;
        while (k <= needed && at + k < end)
        {
            final int c = bytes[at + k] & 0xFF;
            if (c < low || c > high)
            {
                break;
            }
            low = 0x80;
            high = 0xBF;
            k++;
        }
        return needed > 0 && k > needed ? k : -k;
    }

    private static boolean isDigits(final byte[] bytes, final int start, final int end, final int maxDigits)
    {
        if (end <= start || end - start > maxDigits)
        {
            return false;
        }
        for (int i = start; i < end; i++)
        {
            if (bytes[i] < '0' || bytes[i] > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsField(final byte[] bytes, final int start, final int end, final byte[] expected)
    {
        if (end - start != expected.length)
        {
            return false;
        }
        for (int i = 0; i < expected.length; i++)
        {
            if (bytes[start + i] != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Domains, codes and visitor ids: not empty, printable ASCII (what edges write there). */
    private static boolean isKey(final byte[] bytes, final int start, final int end)
    {
        if (end <= start)
        {
            return false;
        }
        for (int i = start; i < end; i++)
        {
            if (bytes[i] <= 0x20 || bytes[i] == 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(final byte[] bytes, final int from, final int end)
    {
        for (int i = from; i < end; i++)
        {
            if (bytes[i] == '\n')
            {
                return i;
            }
        }
        return -1;
    }
}
