package io.bounce.edge.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.LinkView;
import io.bounce.replication.link.RuleSet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class RuleEvaluatorTest
{
    private static final String IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
    private static final String IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
    private static final String ANDROID_PHONE = "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
    private static final String ANDROID_TABLET = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";
    private static final String WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";
    private static final String MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15";
    private static final String LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    private static final String CHROMEOS = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";

    private final RuleEvaluator evaluator = new RuleEvaluator(null, RuleEvaluator.variantKey("fleet-secret-of-the-test"), null);
    private final byte[] key = "bnc.to/abc".getBytes(StandardCharsets.US_ASCII);

    @Test
    void classifiesDevicesAndOperatingSystemsFromTheUserAgent()
    {
        assertTraits(IPHONE, RuleSet.DEVICE_MOBILE, RuleSet.OS_IOS);
        assertTraits(IPAD, RuleSet.DEVICE_TABLET, RuleSet.OS_IOS);
        assertTraits(ANDROID_PHONE, RuleSet.DEVICE_MOBILE, RuleSet.OS_ANDROID);
        assertTraits(ANDROID_TABLET, RuleSet.DEVICE_TABLET, RuleSet.OS_ANDROID);
        assertTraits(WINDOWS, RuleSet.DEVICE_DESKTOP, RuleSet.OS_WINDOWS);
        assertTraits(MAC, RuleSet.DEVICE_DESKTOP, RuleSet.OS_MACOS);
        assertTraits(LINUX, RuleSet.DEVICE_DESKTOP, RuleSet.OS_LINUX);
        assertTraits(CHROMEOS, RuleSet.DEVICE_DESKTOP, RuleSet.OS_CHROMEOS);
        assertTraits("curl/8.11.0", 0, 0);
        final ByteBuf slack = ascii("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)");
        assertTrue(UserAgentTraits.isPreviewCrawler(slack, 0, slack.writerIndex()));
        final ByteBuf phone = ascii(IPHONE);
        assertTrue(!UserAgentTraits.isPreviewCrawler(phone, 0, phone.writerIndex()));
    }

    @Test
    void theFirstTargetWhoseConditionsAllHoldWins()
    {
        final LinkView link = link(new RuleSet(List.of(
            target(0, RuleSet.OS_IOS, List.of(), List.of(), "https://ios.example/"),
            target(RuleSet.DEVICE_MOBILE, 0, List.of(), List.of(), "https://mobile.example/"),
            target(RuleSet.DEVICE_DESKTOP, RuleSet.OS_WINDOWS | RuleSet.OS_LINUX, List.of(), List.of(), "https://pc.example/"),
            target(0, 0, List.of(), List.of("de", "pt-br"), "https://de-or-br.example/"),
            new RuleSet.Target(0, 0, List.of(), List.of(), RuleSet.QUERY_EQUALS, "ref", "mail", "https://mail.example/"),
            new RuleSet.Target(0, 0, List.of(), List.of(), RuleSet.QUERY_PRESENT, "beta", "", "https://beta.example/")),
            List.of(), null, null));
        assertEquals("https://ios.example/", choose(link, IPHONE, null, ""), "ios before mobile: order decides");
        assertEquals("https://mobile.example/", choose(link, ANDROID_PHONE, null, ""));
        assertEquals("https://pc.example/", choose(link, LINUX, null, ""), "device and os both hold");
        assertEquals("https://example.com/", choose(link, MAC, null, ""), "desktop but not windows or linux: the link's url");
        assertEquals("https://de-or-br.example/", choose(link, MAC, "fr;q=0.5, de-AT;q=0.9, en;q=0.8", ""), "the preferred language by q");
        assertEquals("https://de-or-br.example/", choose(link, MAC, "pt-BR,pt;q=0.9", ""));
        assertEquals("https://example.com/", choose(link, MAC, "pt-PT,de;q=0.9", ""), "pt-br is not pt-PT, and de is not preferred");
        assertEquals("https://example.com/", choose(link, MAC, "de;q=0, en", ""), "q=0 means not this one");
        assertEquals("https://de-or-br.example/", choose(link, MAC, "*, de;q=0.5", ""), "the wildcard names no language: de is the one named");
        assertEquals("https://example.com/", choose(link, MAC, "deu", ""), "de is a prefix only at a '-'");
        assertEquals("https://mail.example/", choose(link, MAC, null, "x=1&ref=mail"));
        assertEquals("https://example.com/", choose(link, MAC, null, "ref=mailer&xref=mail"));
        assertEquals("https://beta.example/", choose(link, MAC, null, "beta"));
        assertEquals("https://beta.example/", choose(link, MAC, null, "a=1&beta=&b=2"));
    }

    @Test
    void countryComesFromTheHeaderWithoutADatabase()
    {
        final LinkView link = link(new RuleSet(List.of(target(0, 0, List.of("NZ", "AU"), List.of(), "https://anz.example/")),
            List.of(), null, null));
        final ByteBuf in = ascii("AU NZ");
        evaluator.visitor(in, -1, -1, -1, -1, 0, 0, 3, 5, -1, -1, new byte[] {127, 0, 0, 1}, 4, 0);
        evaluator.choose(link, bytes, key, key.length);
        assertEquals(1, evaluator.choice());
        evaluator.visitor(in, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, new byte[] {127, 0, 0, 1}, 4, 0);
        evaluator.choose(link, bytes, key, key.length);
        assertEquals(RuleEvaluator.CHOICE_URL, evaluator.choice(), "no country known: no country target holds");
    }

    @Test
    void variantsSplitDeterministicallyAndEvenly()
    {
        final LinkView link = link(new RuleSet(List.of(),
            List.of(new RuleSet.Variant(50, "https://a.example/"), new RuleSet.Variant(50, "https://b.example/")), null, null));
        final Random random = new Random(17);
        final byte[] address = new byte[4];
        final ByteBuf in = ascii(WINDOWS);
        int a = 0;
        final int visitors = 100_000;
        for (int i = 0; i < visitors; i++)
        {
            random.nextBytes(address);
            evaluator.visitor(in, 0, in.writerIndex(), -1, -1, 0, 0, -1, -1, -1, -1, address, 4, 0);
            evaluator.choose(link, bytes, key, key.length);
            final int first = evaluator.choice();
            evaluator.visitor(in, 0, in.writerIndex(), -1, -1, 0, 0, -1, -1, -1, -1, address, 4, 0);
            evaluator.choose(link, bytes, key, key.length);
            assertEquals(first, evaluator.choice(), "the same visitor, the same variant");
            if (first == RuleEvaluator.CHOICE_VARIANT)
            {
                a++;
            }
        }
        final double share = a / (double)visitors;
        assertTrue(Math.abs(share - 0.5) <= 0.02, "50/50 within 2%: " + share);

        final RuleEvaluator otherEdge = new RuleEvaluator(null, RuleEvaluator.variantKey("fleet-secret-of-the-test"), null);
        random.nextBytes(address);
        evaluator.visitor(in, 0, in.writerIndex(), -1, -1, 0, 0, -1, -1, -1, -1, address, 4, 0);
        evaluator.choose(link, bytes, key, key.length);
        otherEdge.visitor(in, 0, in.writerIndex(), -1, -1, 0, 0, -1, -1, -1, -1, address, 4, 0);
        otherEdge.choose(link, bytes, key, key.length);
        assertEquals(evaluator.choice(), otherEdge.choice(), "another edge of the fleet picks the same");
    }

    @Test
    void behindATrustedProxyTheVariantIsTheForwardedClients()
    {
        final LinkView link = link(new RuleSet(List.of(),
            List.of(new RuleSet.Variant(50, "https://a.example/"), new RuleSet.Variant(50, "https://b.example/")), null, null));
        final RuleEvaluator behind = new RuleEvaluator(null, RuleEvaluator.variantKey("fleet-secret-of-the-test"),
            new io.bounce.edge.clicks.TrustedProxies(List.of("10.0.0.0/8")));
        final Random random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            final byte[] client = new byte[4];
            random.nextBytes(client);
            client[0] = 100; // not a trusted proxy
            evaluator.visitor(ascii(""), -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, client, 4, 0);
            evaluator.choose(link, bytes, key, key.length);
            final String forwarded = "100." + (client[1] & 0xFF) + "." + (client[2] & 0xFF) + "." + (client[3] & 0xFF) + ", 10.1.2.3";
            final ByteBuf in = ascii(forwarded);
            behind.visitor(in, -1, -1, -1, -1, 0, 0, -1, -1, 0, forwarded.length(), new byte[] {10, 9, 9, 9}, 4, 0);
            behind.choose(link, bytes, key, key.length);
            assertEquals(evaluator.choice(), behind.choice(), forwarded);
        }
    }

    private static RuleSet.Target target(final int devices, final int oses, final List<String> countries, final List<String> languages,
        final String url)
    {
        return new RuleSet.Target(devices, oses, countries, languages, RuleSet.QUERY_NONE, "", "", url);
    }

    private byte[] bytes;

    private LinkView link(final RuleSet rules)
    {
        bytes = LinkCodec.encode(new LinkRecord("bnc.to", "abc", "https://example.com/", 302, 0, 0, 0, 0, 1, rules));
        final LinkView view = new LinkView().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        assertTrue(view.isReadable());
        return view;
    }

    /** The URL chosen for a request with these headers (null: absent) and query. */
    private String choose(final LinkView link, final String userAgent, final String acceptLanguage, final String query)
    {
        final String head = userAgent + "|" + (acceptLanguage == null ? "" : acceptLanguage) + "|" + query;
        final ByteBuf in = ascii(head);
        final int languageStart = userAgent.length() + 1;
        final int queryStart = languageStart + (acceptLanguage == null ? 0 : acceptLanguage.length()) + 1;
        evaluator.visitor(in, 0, userAgent.length(), acceptLanguage == null ? -1 : languageStart, queryStart - 1, queryStart, head.length(),
            -1, -1, -1, -1, new byte[] {10, 0, 0, 1}, 4, 0);
        evaluator.choose(link, bytes, key, key.length);
        return new String(bytes, evaluator.urlOffset(), evaluator.urlLength(), StandardCharsets.US_ASCII);
    }

    private static void assertTraits(final String userAgent, final int device, final int os)
    {
        final ByteBuf in = ascii(userAgent);
        assertEquals(device, UserAgentTraits.device(in, 0, in.writerIndex()), userAgent);
        assertEquals(os, UserAgentTraits.os(in, 0, in.writerIndex()), userAgent);
    }

    private static ByteBuf ascii(final String s)
    {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.US_ASCII));
    }
}
