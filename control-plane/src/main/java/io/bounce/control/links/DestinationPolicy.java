package io.bounce.control.links;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Predicate;

import io.bounce.runtime.http.Problem;
import io.bounce.replication.link.LinkRules;

/**
 * Decides whether a destination may be stored and normalises it: host lower-cased and in punycode,
 * non-ASCII in the path or query percent-encoded. Each refusal is a 400 naming its rule:
 * {@code url-too-long}, {@code url-characters}, {@code url-crlf}, {@code url-scheme}, {@code url-host},
 * {@code url-userinfo}, {@code url-loop} (a destination on one of Bounce's own domains or addresses),
 * {@code url-private-address} and {@code url-homograph} (see {@link AddressPolicy}) and {@code url-blocklisted}.
 */
public final class DestinationPolicy
{
    private final int maxLength;
    private final Predicate<String> ownDomain;
    private final AddressPolicy addresses;
    private final Blocklist blocklist;

    /**
     * @param ownDomain whether a host is one of Bounce's domains (or a subdomain of one): links there would loop.
     * @param addresses  which addresses are Bounce's own or private, and which names are look-alikes.
     */
    public DestinationPolicy(final int maxLength, final Predicate<String> ownDomain, final AddressPolicy addresses,
        final Blocklist blocklist)
    {
        this.maxLength = maxLength;
        this.ownDomain = ownDomain;
        this.addresses = addresses;
        this.blocklist = blocklist;
    }

    /** @return the normalised destination. @throws Problem naming the rule it breaks. */
    public String check(final String url)
    {
        if (url.length() > maxLength)
        {
            throw Problem.badRequest("url-too-long", "url is longer than " + maxLength + " characters");
        }
        for (int i = 0; i < url.length(); i++)
        {
            final char c = url.charAt(i);
            if (c == '\r' || c == '\n')
            {
                throw Problem.badRequest("url-crlf", "url must not contain CR or LF");
            }
            if (c <= 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
            {
                throw Problem.badRequest("url-characters", "url must not contain spaces or control characters");
            }
        }
        final String lower = url.toLowerCase(Locale.ROOT);
        if (lower.contains("%0d") || lower.contains("%0a"))
        {
            throw Problem.badRequest("url-crlf", "url must not contain an encoded CR or LF");
        }
        final int schemeEnd = url.indexOf("://");
        final String scheme = schemeEnd < 0 ? "" : lower.substring(0, schemeEnd);
        if (!scheme.equals("http") && !scheme.equals("https"))
        {
            throw Problem.badRequest("url-scheme", "url must be an absolute http or https URL");
        }
        final int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0)
        {
            authorityEnd++;
        }
        final String authority = url.substring(authorityStart, authorityEnd);
        if (authority.indexOf('@') >= 0)
        {
            throw Problem.badRequest("url-userinfo", "url must not contain a user name or password");
        }
        String host;
        final String port;
        if (authority.startsWith("["))
        {
            final int close = authority.indexOf(']');
            host = close < 0 ? "" : authority.substring(0, close + 1).toLowerCase(Locale.ROOT);
            port = close < 0 ? "" : authority.substring(close + 1);
        }
        else
        {
            final int colon = authority.lastIndexOf(':');
            final String rawHost = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? "" : authority.substring(colon);
            host = toAsciiHost(rawHost);
        }
        if (host.isEmpty() || host.equals("[]"))
        {
            throw Problem.badRequest("url-host", "url must have a host");
        }
        final String bareHost = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (ownDomain.test(bareHost))
        {
            throw Problem.badRequest("url-loop", "url points at one of this service's own domains");
        }
        final String checkedHost = addresses.check(bareHost);
        if (!checkedHost.equals(bareHost))
        {
            host = checkedHost; // an IPv4 address in a browser's other spellings, stored as the dotted quad it names
        }
        final String blockedBy = blocklist.blocking(bareHost);
        if (blockedBy != null)
        {
            throw Problem.badRequest("url-blocklisted", "destinations on " + blockedBy + " are not allowed");
        }
        final String normalised = scheme + "://" + host + port + percentEncodeNonAscii(url.substring(authorityEnd));
        final String contract = LinkRules.checkUrl(normalised, maxLength);
        if (contract != null)
        {
            throw Problem.badRequest(normalised.length() > maxLength ? "url-too-long" : "url-characters", contract);
        }
        return normalised;
    }

    private static String toAsciiHost(final String host)
    {
        boolean plain = !host.isEmpty() && host.length() <= 253;
        for (int i = 0; i < host.length() && plain; i++)
        {
            final char c = host.charAt(i);
            plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
        }
        if (plain && !host.startsWith("xn--") && !host.contains(".xn--") && !host.contains(".."))
        {
            return host; // already lower-case ASCII: IDN would return it unchanged, at a tenth of bulk import's cost
        }
        try
        {
            return IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        }
        catch (final IllegalArgumentException ex)
        {
            throw Problem.badRequest("url-host", "url host is not a valid domain name (IDNA 2003)");
        }
    }

    private static String percentEncodeNonAscii(final String s)
    {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c < 0x80)
            {
                if (out != null)
                {
                    out.append(c);
                }
                continue;
            }
            if (out == null)
            {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            final int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
            for (final byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8))
            {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                    .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
            i = end - 1;
        }
        return out == null ? s : out.toString();
    }
}
