package io.bounce.replication.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class RuleSetTest
{
    static RuleSet everyKind()
    {
        return new RuleSet(
            List.of(
                new RuleSet.Target(RuleSet.DEVICE_MOBILE | RuleSet.DEVICE_TABLET, RuleSet.OS_IOS, List.of(), List.of(), RuleSet.QUERY_NONE,
                    "", "", "https://apps.apple.com/app/id1"),
                new RuleSet.Target(0, 0, List.of("DE", "AT"), List.of("de", "pt-br"), RuleSet.QUERY_EQUALS, "ref", "mail",
                    "https://example.de/"),
                new RuleSet.Target(0, 0, List.of(), List.of(), RuleSet.QUERY_PRESENT, "beta", "", "https://beta.example.com/")),
            List.of(new RuleSet.Variant(50, "https://a.example.com/"), new RuleSet.Variant(50, "https://b.example.com/")),
            "https://example.com/expired",
            new RuleSet.Preview("<script>alert(1)</script> \"Sale\"", "Ünïcode & more", "https://cdn.example.com/og.png"),
            PASSWORD_HASH);
    }

    static final String PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$sDq4SJydHwxWnLTlXqq5ZzNDfmXrJUlaeTohxQaFrio";

    private static LinkRecord record(final RuleSet rules)
    {
        return new LinkRecord("bnc.to", "abc1234", "https://example.com/", 302, 1L, 2L, 0L, LinkRecord.FLAG_UTM, 99L, rules);
    }

    @Test
    void shouldRoundTripEveryKindOfRuleAsAVersion2Record()
    {
        final LinkRecord original = record(everyKind());
        final byte[] bytes = LinkCodec.encode(original);
        assertEquals(LinkCodec.encodedLength(original), bytes.length);
        assertEquals(LinkView.VERSION_RULES, bytes[0]);
        assertEquals(original, LinkCodec.decode(bytes));
        assertTrue(bytes.length <= LinkCodec.MAX_ENCODED_LENGTH);
    }

    @Test
    void viewWalksTheRulesInPlace()
    {
        final byte[] bytes = LinkCodec.encode(record(everyKind()));
        final LinkView view = new LinkView().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        assertTrue(view.isReadable());
        assertEquals("https://example.com/", view.url());
        final RulesView rules = view.rules();
        int p = rules.first();
        assertEquals(RulesView.TARGET, rules.tag(p));
        assertEquals(RuleSet.OS_IOS, rules.osMask(p));
        assertEquals("https://apps.apple.com/app/id1", text(bytes, rules.targetUrlOffset(p), rules.targetUrlLength(p)));
        p = rules.next(p);
        assertEquals(2, rules.countryCount(p));
        assertEquals("DEAT", text(bytes, rules.countriesOffset(p), 4));
        assertEquals("ref", text(bytes, rules.queryNameOffset(p), rules.queryNameLength(p)));
        assertEquals("mail", text(bytes, rules.queryValueOffset(p), rules.queryValueLength(p)));
        p = rules.next(rules.next(p));
        assertEquals(RulesView.VARIANT, rules.tag(p));
        assertEquals(50, rules.weight(p));
        assertEquals("https://a.example.com/", text(bytes, rules.variantUrlOffset(p), rules.variantUrlLength(p)));
        p = rules.next(rules.next(p));
        assertEquals(RulesView.EXPIRED_URL, rules.tag(p));
        p = rules.next(p);
        assertEquals(RulesView.PREVIEW, rules.tag(p));
        assertEquals("https://cdn.example.com/og.png", text(bytes, rules.imageOffset(p), rules.imageLength(p)));
        p = rules.next(p);
        assertEquals(RulesView.PASSWORD, rules.tag(p));
        assertEquals(PASSWORD_HASH, text(bytes, rules.payload(p), rules.payloadLength(p)));
        assertEquals(rules.end(), rules.next(p));
    }

    @Test
    void aRecordWithBrokenOrUnknownRulesIsNotReadable()
    {
        final byte[] bytes = LinkCodec.encode(record(everyKind()));
        final LinkView view = new LinkView();
        final int rulesAt = view.wrap(new UnsafeBuffer(bytes), 0, bytes.length).rulesOffset();

        final byte[] unknownTag = bytes.clone();
        unknownTag[rulesAt] = 9;
        assertFalse(view.wrap(new UnsafeBuffer(unknownTag), 0, bytes.length).isReadable(), "a rule this build cannot apply");
        assertThrows(LinkFormatException.class, () -> LinkCodec.decode(unknownTag));

        final byte[] overlong = bytes.clone();
        overlong[rulesAt + 1] = (byte)0xFF;
        overlong[rulesAt + 2] = (byte)0x7F;
        assertFalse(view.wrap(new UnsafeBuffer(overlong), 0, bytes.length).isReadable(), "a section running past the record");

        final byte[] badLanguages = bytes.clone();
        final RulesView rules = view.wrap(new UnsafeBuffer(bytes), 0, bytes.length).rules();
        badLanguages[rules.languagesOffset(rules.next(rules.first()))] = 40;
        assertFalse(view.wrap(new UnsafeBuffer(badLanguages), 0, bytes.length).isReadable(), "languages that do not fit");

        final byte[] notArgon2id = bytes.clone();
        int password = rules.first();
        while (rules.tag(password) != RulesView.PASSWORD)
        {
            password = rules.next(password);
        }
        notArgon2id[rules.payload(password) + 7] = 'd'; // "$argon2d$"
        assertFalse(view.wrap(new UnsafeBuffer(notArgon2id), 0, bytes.length).isReadable(), "a password hash this build cannot check");

        for (int cut = 1; cut < bytes.length; cut++)
        {
            assertFalse(view.wrap(new UnsafeBuffer(bytes), 0, cut).isReadable(), "cut at " + cut);
        }
    }

    @Test
    void anEmptyRuleSetIsAPlainLink()
    {
        final LinkRecord plain = record(new RuleSet(List.of(), List.of(), null, null));
        assertNull(plain.rules());
        assertEquals(LinkView.VERSION_PLAIN, LinkCodec.encode(plain)[0]);
    }

    @Test
    void refusesRulesPastTheFormatsBounds()
    {
        assertThrows(IllegalArgumentException.class, () -> new RuleSet(List.of(),
            List.of(new RuleSet.Variant(0, "https://a.example.com/")), null, null));
        final String url = "https://example.com/" + "a".repeat(8000);
        assertThrows(IllegalArgumentException.class, () -> new RuleSet(List.of(),
            List.of(new RuleSet.Variant(1, url), new RuleSet.Variant(1, url), new RuleSet.Variant(1, url)), null, null));
        assertThrows(IllegalArgumentException.class, () -> new RuleSet(List.of(), List.of(), null, null, "$2b$10$bcrypt"));
        assertFalse(new RuleSet(List.of(), List.of(), null, null, PASSWORD_HASH).toString().contains("argon2"), "never the hash");
    }

    private static String text(final byte[] bytes, final int at, final int length)
    {
        return new String(bytes, at, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
