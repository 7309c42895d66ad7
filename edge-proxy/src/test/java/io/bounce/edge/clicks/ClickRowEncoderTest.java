package io.bounce.edge.clicks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.bounce.replication.clicks.ClickFileFormat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** What a header's bytes become in a click file: always valid UTF-8, escaped, cut on a character boundary. */
class ClickRowEncoderTest
{
    @Test
    void invalidBytesBecomeOneReplacementEachAndValidTextPasses()
    {
        assertEquals("x\uFFFD", text(bytes("x", 0xFF)));
        assertEquals("caf\u00e9 \u4e2d \ud83d\ude00", text("caf\u00e9 \u4e2d \ud83d\ude00".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a\uFFFDb", text(bytes("a", 0xC3, 'b')), "a lead byte followed by ASCII");
        assertEquals("\uFFFD\uFFFD", text(bytes("", 0xC0, 0x80)), "an overlong form");
        assertEquals("\uFFFD\uFFFD\uFFFD", text(bytes("", 0xED, 0xA0, 0x80)), "a surrogate");
        assertEquals("\uFFFDz", text(bytes("", 0xE2, 0x82, 'z')), "a sequence cut short inside the value");
    }

    @Test
    void aCharacterTheLengthCutSplitIsDroppedWhole()
    {
        final byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8); // three bytes
        final byte[] value = new byte[ClickFileFormat.MAX_USER_AGENT_BYTES + 100];
        for (int i = 0; i + 2 < value.length; i += 3)
        {
            System.arraycopy(euro, 0, value, i, 3);
        }
        final byte[] cut = Arrays.copyOf(value, ClickFileFormat.MAX_USER_AGENT_BYTES); // 512 = 170 euros and 2 bytes
        final String text = text(cut);
        assertEquals("\u20ac".repeat(170), text);
        assertValidUtf8(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void separatorsAndControlBytesAreEscapedSoTheRowStaysOneRow()
    {
        assertEquals("a\\tb\\\\c\\nd\\re\\x00f\\x1fg\\x7f", text(bytes("a\tb\\c\nd\re", 0, 'f', 0x1F, 'g', 0x7F)));
        assertEquals("a\tb\\c\nd\re\u0000f\u001fg\u007f", ClickFileFormat.unescape(text(bytes("a\tb\\c\nd\re", 0, 'f', 0x1F, 'g', 0x7F))),
            "and the aggregator reads back what arrived");
    }

    @Test
    void theWorstValueStillFitsTheRow()
    {
        final byte[] controls = new byte[ClickFileFormat.MAX_USER_AGENT_BYTES + ClickFileFormat.MAX_REFERRER_BYTES];
        Arrays.fill(controls, (byte)1);
        final String text = text(controls);
        assertEquals(4 * controls.length, text.length());
        assertTrue(text.startsWith("\\x01\\x01"));
    }

    private static String text(final byte[] value)
    {
        final byte[] out = new byte[4 * value.length + 16];
        final int n = ClickRowEncoder.putText(new UnsafeBuffer(value), 0, value.length, out, 0);
        assertValidUtf8(Arrays.copyOf(out, n));
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static void assertValidUtf8(final byte[] bytes)
    {
        try
        {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        }
        catch (final CharacterCodingException ex)
        {
            throw new AssertionError("not valid UTF-8: " + Arrays.toString(bytes), ex);
        }
    }

    private static byte[] bytes(final String prefix, final int... more)
    {
        final byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
        final byte[] all = Arrays.copyOf(start, start.length + more.length);
        for (int i = 0; i < more.length; i++)
        {
            all[start.length + i] = (byte)more[i];
        }
        return all;
    }
}
