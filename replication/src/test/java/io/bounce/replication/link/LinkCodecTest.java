package io.bounce.replication.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

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
        assertEquals(LinkCodec.VERSION, bytes[0]);
        assertEquals(original, LinkCodec.decode(bytes));
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
        bytes[LinkCodec.VERSION_OFFSET] = 2;
        final LinkFormatException ex = assertThrows(LinkFormatException.class, () -> LinkCodec.decode(bytes));
        assertTrue(ex.getMessage().contains("version 2"), ex.getMessage());
    }

    @Test
    void shouldRefuseTruncatedOrInconsistentRecords()
    {
        final byte[] bytes = LinkCodec.encode(record("bnc.to", "v", "https://a.test", 0));
        assertThrows(LinkFormatException.class, () -> LinkCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)));
        assertThrows(LinkFormatException.class, () -> LinkCodec.decode(Arrays.copyOf(bytes, 10)));
        final byte[] badStatus = bytes.clone();
        badStatus[LinkCodec.STATUS_OFFSET] = (byte)200;
        badStatus[LinkCodec.STATUS_OFFSET + 1] = 0;
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
