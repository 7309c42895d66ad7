package io.bounce.edge.clicks;

import java.nio.charset.StandardCharsets;

import io.bounce.edge.rules.RuleEvaluator;
import io.bounce.replication.clicks.ClickFileFormat;
import org.agrona.DirectBuffer;

/**
 * One click event from the ring → one row of a click file ({@link ClickFileFormat}), built in bytes:
 * the client address becomes the visitor id here, so it never reaches a file. Owned by the click
 * writer's thread.
 */
final class ClickRowEncoder
{
    private static final byte[] GET = {'G', 'E', 'T'};
    private static final byte[] HEAD = {'H', 'E', 'A', 'D'};

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The longest row: fixed fields plus a user agent and a referrer at four bytes a byte ({@code \xHH}). */
    static final int MAX_ROW_BYTES = 1024 + 4 * (ClickFileFormat.MAX_USER_AGENT_BYTES + ClickFileFormat.MAX_REFERRER_BYTES);

    private final byte[] rowBytes = new byte[MAX_ROW_BYTES];
    /** The {@code destination} column for each choice a {@link RuleEvaluator} makes (ClickFileFormat.COLUMNS). */
    private static final byte[][] DESTINATIONS = new byte[256][];

    static
    {
        java.util.Arrays.fill(DESTINATIONS, new byte[0]);
        for (int i = 0; i < io.bounce.replication.link.RuleSet.MAX_TARGETS; i++)
        {
            DESTINATIONS[1 + i] = ("target-" + (i + 1)).getBytes(StandardCharsets.US_ASCII);
        }
        for (int j = 0; j < io.bounce.replication.link.RuleSet.MAX_VARIANTS; j++)
        {
            DESTINATIONS[RuleEvaluator.CHOICE_VARIANT + j] = ("variant-" + (j + 1)).getBytes(StandardCharsets.US_ASCII);
        }
        DESTINATIONS[RuleEvaluator.CHOICE_EXPIRED] = "expired".getBytes(StandardCharsets.US_ASCII);
    }
    private final byte[] edgeIdBytes;
    private final byte[] peer = new byte[16];
    private final VisitorHasher visitors;
    private final TrustedProxies proxies;
    /** Countries by client address, or null: then only the country header gives one. */
    private final io.bounce.edge.geo.GeoIp geoIp;

    ClickRowEncoder(final String edgeId, final VisitorHasher visitors, final TrustedProxies proxies, final io.bounce.edge.geo.GeoIp geoIp)
    {
        this.geoIp = geoIp;
        this.edgeIdBytes = edgeId.getBytes(StandardCharsets.US_ASCII); // [A-Za-z0-9_.-]: nothing to escape
        this.visitors = visitors;
        this.proxies = proxies;
    }

    /** The row {@link #encode} wrote last. */
    byte[] row()
    {
        return rowBytes;
    }

    /**
     * Write the event at {@code index} as a row into {@link #row()}. The request's header bytes go from
     * the ring to the row with only the TabSeparated escapes applied and control characters dropped (an
     * earlier version decoded them to Strings and back, which cost more than compressing the file:
     * bench/README.md "clicks").
     *
     * @return the row's length.
     */
    int encode(final DirectBuffer buffer, final int index)
    {
        final long timeMs = buffer.getLong(index + ClickRecorder.TIME_OFFSET);
        final int status = buffer.getShort(index + ClickRecorder.STATUS_OFFSET) & 0xFFFF;
        final boolean head = buffer.getByte(index + ClickRecorder.HEAD_OFFSET) != 0;
        final int peerLength = buffer.getByte(index + ClickRecorder.PEER_LENGTH_OFFSET);
        final int keyLength = buffer.getShort(index + ClickRecorder.KEY_LENGTH_OFFSET) & 0xFFFF;
        final int uaLength = buffer.getShort(index + ClickRecorder.UA_LENGTH_OFFSET) & 0xFFFF;
        final int refLength = buffer.getShort(index + ClickRecorder.REFERRER_LENGTH_OFFSET) & 0xFFFF;
        final int xffLength = buffer.getShort(index + ClickRecorder.XFF_LENGTH_OFFSET) & 0xFFFF;
        final int countryLength = buffer.getByte(index + ClickRecorder.COUNTRY_LENGTH_OFFSET);
        buffer.getBytes(index + ClickRecorder.PEER_OFFSET, peer, 0, peerLength);
        final int keyAt = index + ClickRecorder.VARIABLE_OFFSET;
        final int uaAt = keyAt + keyLength;
        final int refAt = uaAt + uaLength;
        final int xffAt = refAt + refLength;
        final int countryAt = xffAt + xffLength;

        byte[] client = peer;
        int clientLength = peerLength;
        if (!proxies.isEmpty() && xffLength > 0)
        {
            client = proxies.client(peer, peerLength, buffer.getStringWithoutLengthAscii(xffAt, xffLength));
            clientLength = client.length;
        }

        int n = 0;
        n = putLong(rowBytes, n, timeMs);
        rowBytes[n++] = '\t';
        System.arraycopy(edgeIdBytes, 0, rowBytes, n, edgeIdBytes.length);
        n += edgeIdBytes.length;
        rowBytes[n++] = '\t';
        // domain/code: both are restricted to characters that need no escaping (LinkRules)
        for (int i = 0; i < keyLength; i++)
        {
            final byte b = buffer.getByte(keyAt + i);
            rowBytes[n++] = b == '/' ? (byte)'\t' : b;
        }
        rowBytes[n++] = '\t';
        n = putLong(rowBytes, n, status);
        rowBytes[n++] = '\t';
        final byte[] method = head ? HEAD : GET;
        System.arraycopy(method, 0, rowBytes, n, method.length);
        n += method.length;
        rowBytes[n++] = '\t';
        n = visitors.visitor(client, clientLength, timeMs, rowBytes, n);
        rowBytes[n++] = '\t';
        // The client's address in the GeoIP database first (it is the address the visitor id is made from); the load
        // balancer's country header where the database has none.
        final String located = geoIp == null ? null : geoIp.country(client, clientLength, timeMs);
        if (located != null)
        {
            rowBytes[n++] = (byte)located.charAt(0);
            rowBytes[n++] = (byte)located.charAt(1);
        }
        else if (countryLength == 2 && isAsciiLetter(buffer.getByte(countryAt)) && isAsciiLetter(buffer.getByte(countryAt + 1)))
        {
            rowBytes[n++] = (byte)Character.toUpperCase((char)buffer.getByte(countryAt));
            rowBytes[n++] = (byte)Character.toUpperCase((char)buffer.getByte(countryAt + 1));
        }
        rowBytes[n++] = '\t';
        n = putText(buffer, uaAt, uaLength, rowBytes, n);
        rowBytes[n++] = '\t';
        n = putText(buffer, refAt, refLength, rowBytes, n);
        rowBytes[n++] = '\t';
        final byte[] destination = DESTINATIONS[buffer.getByte(index + ClickRecorder.DESTINATION_OFFSET) & 0xFF];
        System.arraycopy(destination, 0, rowBytes, n, destination.length);
        n += destination.length;
        rowBytes[n++] = '\n';
        return n;
    }

    private static boolean isAsciiLetter(final byte b)
    {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
    }

    private static int putLong(final byte[] out, final int at, final long value)
    {
        final String digits = Long.toString(value);
        for (int i = 0; i < digits.length(); i++)
        {
            out[at + i] = (byte)digits.charAt(i);
        }
        return at + digits.length();
    }

    /**
     * Header bytes as text a row can hold, whatever arrived: valid UTF-8 (an invalid sequence becomes
     * one U+FFFD; a character the recorder's length cut split at the end is dropped whole, so cuts
     * fall on character boundaries), the TabSeparated escapes for {@code \\ \t \n \r}, and every
     * other control byte as {@code \xHH}. A row built this way always passes the aggregator's checks.
     */
    static int putText(final DirectBuffer buffer, final int from, final int length, final byte[] out, final int at)
    {
        int n = at;
        int i = from;
        final int end = from + length;
        while (i < end)
        {
            final int b = buffer.getByte(i) & 0xFF;
            if (b < 0x80)
            {
                n = putAscii(b, out, n);
                i++;
                continue;
            }
            final int needed = b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2 : b >= 0xF0 && b <= 0xF4 ? 3 : 0;
            int low = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80; // no overlong forms
            int high = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF; // no surrogates, nothing past U+10FFFF
            int k = 1;
            while (k <= needed && i + k < end)
            {
                final int c = buffer.getByte(i + k) & 0xFF;
                if (c < low || c > high)
                {
                    break;
                }
                low = 0x80;
                high = 0xBF;
                k++;
            }
            if (needed > 0 && k > needed)
            {
                buffer.getBytes(i, out, n, k);
                n += k;
            }
            else if (needed > 0 && i + k == end)
            {
                // A valid start cut short by the end of the field: the length cut split it. Drop it.
            }
            else
            {
                out[n++] = (byte)0xEF; // U+FFFD for the maximal invalid subpart
                out[n++] = (byte)0xBF;
                out[n++] = (byte)0xBD;
            }
            i += k;
        }
        return n;
    }

    private static int putAscii(final int b, final byte[] out, final int at)
    {
        int n = at;
        if (b >= 0x20 && b != 0x7F && b != '\\')
        {
            out[n++] = (byte)b;
            return n;
        }
        out[n++] = '\\';
        switch (b)
        {
            case '\\':
                out[n++] = '\\';
                break;
            case '\t':
                out[n++] = 't';
                break;
            case '\n':
                out[n++] = 'n';
                break;
            case '\r':
                out[n++] = 'r';
                break;
            default:
                out[n++] = 'x';
                out[n++] = (byte)HEX[b >> 4];
                out[n++] = (byte)HEX[b & 0xF];
                break;
        }
        return n;
    }
}
