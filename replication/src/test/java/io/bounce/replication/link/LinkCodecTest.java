package io.bounce.replication.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class LinkCodecTest
{
    private static LinkRecord record(final String domain, final String code, final String url, final int flags)
    {
        return new LinkRecord(domain, code, url, 308, 1_764_000_000_000L, 1_764_000_600_000L, 1_800_000_000_000L, flags, 123_456_789L);
    }

    @Test
    void shouldRoundTripEveryField()
    {
        final LinkRecord original = record("bnc.to", "abc1234", "https://example.com/a?b=c#d",
            LinkRecord.FLAG_FORWARD_QUERY | LinkRecord.FLAG_DISABLED);
        final byte[] bytes = LinkCodec.encode(original);
        assertEquals(LinkCodec.encodedLength(original), bytes.length);
        assertEquals(LinkView.VERSION_PLAIN, bytes[0], "a link without rules is written as it was before rules existed");
        assertEquals(original, LinkCodec.decode(bytes));
    }

    @Test
    void viewReadsEveryFieldInPlaceAndSaysWhenItCannot()
    {
        final LinkRecord original = record("bnc.to", "abc1234", "https://example.com/a?b=c#d", LinkRecord.FLAG_FORWARD_QUERY);
        final byte[] bytes = LinkCodec.encode(original);
        final byte[] padded = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, padded, 7, bytes.length);
        final LinkView view = new LinkView().wrap(new UnsafeBuffer(padded), 7, bytes.length);
        assertTrue(view.isReadable());
        assertEquals(308, view.status());
        assertEquals(123_456_789L, view.sequence());
        assertEquals(1_764_000_600_000L, view.editableUntilMs());
        assertEquals(1_800_000_000_000L, view.expiresAtMs());
        assertTrue(view.hasFlag(LinkRecord.FLAG_FORWARD_QUERY));
        assertEquals("https://example.com/a?b=c#d", new String(padded, view.urlOffset(), view.urlLength(), StandardCharsets.US_ASCII));
        assertEquals(original, LinkCodec.decode(view));

        assertFalse(view.wrap(new UnsafeBuffer(padded), 7, bytes.length - 1).isReadable(), "lengths that do not add up");
        assertFalse(view.wrap(new UnsafeBuffer(padded), 7, LinkView.HEADER_LENGTH - 1).isReadable(), "no whole header");
        padded[7 + LinkView.VERSION_OFFSET] = 3;
        assertFalse(view.wrap(new UnsafeBuffer(padded), 7, bytes.length).isReadable(), "a version this build does not read");
    }

    @Test
    void shouldRoundTripAnEightKibUrl()
    {
        final String prefix = "https://example.com/";
        final String url = prefix + "a".repeat(LinkRules.MAX_URL_LENGTH - prefix.length());
        assertEquals(8192, url.length());
        final LinkRecord original = record("bnc.to", "long", url, 0);
        assertEquals(original, LinkCodec.decode(LinkCodec.encode(original)));
    }

    @Test
    void shouldRoundTripPercentEncodedPathsAndPunycodeHosts()
    {
        final LinkRecord encoded = record("bnc.to", "pct", "https://example.com/caf%C3%A9/%E2%9C%93?q=a%20b&r=%2F", 0);
        assertEquals(encoded, LinkCodec.decode(LinkCodec.encode(encoded)));
        final LinkRecord puny = record("xn--bcher-kva.example", "idn", "https://xn--mnchen-3ya.de/stra%C3%9Fe", 0);
        assertEquals(puny, LinkCodec.decode(LinkCodec.encode(puny)));
        assertEquals(null, LinkRules.checkDomain(puny.domain()));
        assertEquals(null, LinkRules.checkUrl(puny.url(), LinkRules.MAX_URL_LENGTH));
    }

    @Test
    void shouldRoundTripATombstoneAndAnImportedLink()
    {
        final LinkRecord tombstone = record("bnc.to", "gone", "", LinkRecord.FLAG_DELETED);
        assertEquals(tombstone, LinkCodec.decode(LinkCodec.encode(tombstone)));
        final LinkRecord imported = new LinkRecord("localhost", "x", "http://a.test", 302, 5, 5, 0, 0, 0);
        assertEquals(imported, LinkCodec.decode(LinkCodec.encode(imported)));
    }

    @Test
    void shouldRefuseANewerFormatVersionRatherThanGuess()
    {
        final byte[] bytes = LinkCodec.encode(record("bnc.to", "v", "https://a.test", 0));
        bytes[LinkView.VERSION_OFFSET] = 3;
        final LinkFormatException ex = assertThrows(LinkFormatException.class, () -> LinkCodec.decode(bytes));
        assertTrue(ex.getMessage().contains("version 3"), ex.getMessage());
    }

    @Test
    void shouldRefuseTruncatedOrInconsistentRecords()
    {
        final byte[] bytes = LinkCodec.encode(record("bnc.to", "v", "https://a.test", 0));
        assertThrows(LinkFormatException.class, () -> LinkCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)));
        assertThrows(LinkFormatException.class, () -> LinkCodec.decode(Arrays.copyOf(bytes, 10)));
        final byte[] badStatus = bytes.clone();
        badStatus[LinkView.STATUS_OFFSET] = (byte)200;
        badStatus[LinkView.STATUS_OFFSET + 1] = 0;
        assertThrows(LinkFormatException.class, () -> LinkCodec.decode(badStatus));
    }

    @Test
    void shouldRefuseFieldsLongerThanTheFormatAllows()
    {
        final String url = "https://example.com/" + "a".repeat(LinkRules.MAX_URL_LENGTH);
        assertThrows(IllegalArgumentException.class, () -> LinkCodec.encode(record("bnc.to", "x", url, 0)));
        assertThrows(IllegalArgumentException.class,
            () -> new LinkRecord("bnc.to", "x", "https://a.test", 303, 0, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class,
            () -> new LinkRecord("bnc.to", "x", "https://a.test", 302, 0, 0, 0, 1 << 5, 0));
    }
}
