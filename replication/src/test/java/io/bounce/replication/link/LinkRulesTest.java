package io.bounce.replication.link;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinkRulesTest
{
    @ParameterizedTest
    @ValueSource(strings = {"a", "abc1234", "A-b_C", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void shouldAcceptCodes(final String code)
    {
        assertNull(LinkRules.checkCode(code));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a/b", "a.b", "caf\u00e9", "%41", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"})
    void shouldRejectCodes(final String code)
    {
        assertNotNull(LinkRules.checkCode(code));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://example.com", "http://example.com/", "https://a.b.example:8443/p?q=1#f",
        "https://[2001:db8::1]/x", "http://192.0.2.1:80/", "HTTPS://Example.COM/Path"})
    void shouldAcceptUrls(final String url)
    {
        assertNull(LinkRules.checkUrl(url, LinkRules.MAX_URL_LENGTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "javascript:alert(1)", "data:text/html,x", "ftp://example.com/", "//example.com/", "https://",
        "https:///path", "https://user:pw@example.com/", "https://example.com/a b", "https://example.com/\r\nX: y",
        "https://example.com/%0d%0aSet-Cookie:x", "https://example.com/%0A", "https://ex ample.com/",
        "https://example.com:99999/", "https://example.com:/", "https://exa_mple.com/", "https://caf\u00e9.fr/"})
    void shouldRejectUrls(final String url)
    {
        assertNotNull(LinkRules.checkUrl(url, LinkRules.MAX_URL_LENGTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "bnc.to", "xn--bcher-kva.example", "a-b.c0"})
    void shouldAcceptDomains(final String domain)
    {
        assertNull(LinkRules.checkDomain(domain));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bnc.to", "bnc..to", "-bnc.to", "bnc-.to", "b\u00fccher.example", "bnc.to:80", "a_b.c"})
    void shouldRejectDomains(final String domain)
    {
        assertNotNull(LinkRules.checkDomain(domain));
    }
}
