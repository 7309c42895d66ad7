package io.bounce.replication.link;

/**
 * The shape every link must have before it may be stored anywhere: the edge's importer checks it and
 * the control plane builds its stricter policy (blocklists, own-domain loops, reserved aliases) on top.
 * Each check returns {@code null} when the input is acceptable, or a short reason naming the rule.
 */
public final class LinkRules
{
    /** Longest code or alias, in bytes. */
    public static final int MAX_CODE_LENGTH = 64;
    /** Longest domain name (RFC 1035). */
    public static final int MAX_DOMAIN_LENGTH = 253;
    /** Longest destination URL the format can carry, in bytes (8 KiB). */
    public static final int MAX_URL_LENGTH = 8192;

    private LinkRules()
    {
    }

    public static boolean isRedirectStatus(final int status)
    {
        return status == 301 || status == 302 || status == 307 || status == 308;
    }

    public static boolean isCodeChar(final int c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    /** Codes and aliases: 1 to 64 of {@code [A-Za-z0-9_-]}, case-sensitive. */
    public static String checkCode(final String code)
    {
        if (code.isEmpty())
        {
            return "code is empty";
        }
        if (code.length() > MAX_CODE_LENGTH)
        {
            return "code is longer than " + MAX_CODE_LENGTH + " characters";
        }
        for (int i = 0; i < code.length(); i++)
        {
            if (!isCodeChar(code.charAt(i)))
            {
                return "code may only contain A-Z, a-z, 0-9, '_' and '-'";
            }
        }
        return null;
    }

    /**
     * Domains: a lower-case DNS name in its ASCII (punycode) form, labels of {@code [a-z0-9-]} that
     * neither start nor end with '-', at most 63 bytes a label and 253 in all.
     */
    public static String checkDomain(final String domain)
    {
        if (domain.isEmpty() || domain.length() > MAX_DOMAIN_LENGTH)
        {
            return "domain must be 1 to " + MAX_DOMAIN_LENGTH + " characters";
        }
        int labelStart = 0;
        for (int i = 0; i <= domain.length(); i++)
        {
            if (i == domain.length() || domain.charAt(i) == '.')
            {
                final int labelLength = i - labelStart;
                if (labelLength == 0 || labelLength > 63)
                {
                    return "domain labels must be 1 to 63 characters";
                }
                if (domain.charAt(labelStart) == '-' || domain.charAt(i - 1) == '-')
                {
                    return "domain labels must not start or end with '-'";
                }
                labelStart = i + 1;
                continue;
            }
            final char c = domain.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            {
                return "domain must be lower-case ASCII (punycode for international names)";
            }
        }
        return null;
    }

    /**
     * Destinations: an absolute {@code http} or {@code https} URL with a host, no userinfo, only
     * visible ASCII (anything else percent-encoded), no encoded CR or LF, at most {@code maxLength} bytes.
     * These are the properties that make a stored URL safe to copy verbatim into a {@code Location}
     * header.
     */
    public static String checkUrl(final String url, final int maxLength)
    {
        if (url.length() > maxLength)
        {
            return "url is longer than " + maxLength + " bytes";
        }
        for (int i = 0; i < url.length(); i++)
        {
            final char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7F)
            {
                return "url must not contain spaces, control or non-ASCII characters (percent-encode them)";
            }
            if (c == '%' && i + 2 < url.length() && url.charAt(i + 1) == '0')
            {
                final char d = Character.toLowerCase(url.charAt(i + 2));
                if (d == 'd' || d == 'a')
                {
                    return "url must not contain an encoded CR or LF";
                }
            }
        }
        final int authorityStart;
        if (url.regionMatches(true, 0, "http://", 0, 7))
        {
            authorityStart = 7;
        }
        else if (url.regionMatches(true, 0, "https://", 0, 8))
        {
            authorityStart = 8;
        }
        else
        {
            return "url must be absolute http or https";
        }
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0)
        {
            authorityEnd++;
        }
        final String authority = url.substring(authorityStart, authorityEnd);
        if (authority.indexOf('@') >= 0)
        {
            return "url must not contain userinfo";
        }
        final String host;
        if (authority.startsWith("["))
        {
            final int close = authority.indexOf(']');
            if (close < 0)
            {
                return "url host is malformed";
            }
            host = authority.substring(1, close);
            if (close + 1 < authority.length() && !isPort(authority.substring(close + 1)))
            {
                return "url port is malformed";
            }
            for (int i = 0; i < host.length(); i++)
            {
                final char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.'))
                {
                    return "url host is malformed";
                }
            }
        }
        else
        {
            final int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            if (colon >= 0 && !isPort(authority.substring(colon)))
            {
                return "url port is malformed";
            }
            for (int i = 0; i < host.length(); i++)
            {
                final char c = host.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
                {
                    return "url host must be an ASCII name (punycode) or an IP address";
                }
            }
        }
        if (host.isEmpty())
        {
            return "url must have a host";
        }
        return null;
    }

    private static boolean isPort(final String colonAndPort)
    {
        if (colonAndPort.length() < 2 || colonAndPort.length() > 6 || colonAndPort.charAt(0) != ':')
        {
            return false;
        }
        for (int i = 1; i < colonAndPort.length(); i++)
        {
            if (colonAndPort.charAt(i) < '0' || colonAndPort.charAt(i) > '9')
            {
                return false;
            }
        }
        return Integer.parseInt(colonAndPort.substring(1)) <= 65535;
    }
}
