package io.bounce.control.links;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.bounce.runtime.http.Problem;

/**
 * Where a destination's host may be, past the checks on its spelling. A browser reads {@code 127.1},
 * {@code 0x7f.0.0.1}, {@code 2130706433} and {@code [::ffff:127.0.0.1]} all as 127.0.0.1, so IPv4 hosts
 * are parsed the way the WHATWG URL standard (and so every browser) parses them, stored in their
 * dotted-quad form and judged by the address they name:
 * <ul>
 * <li>{@code url-loop}: loopback ({@code 127/8}, {@code ::1}), unspecified ({@code 0/8}, {@code ::}), the
 *     addresses of this host's interfaces and the operator's {@code --own-addresses} (the edges' public
 *     and anycast addresses) — a link there would send a visitor back to Bounce, or nowhere;</li>
 * <li>{@code url-private-address}: addresses the public internet cannot reach (RFC 1918, link-local such
 *     as the cloud metadata address {@code 169.254.169.254}, carrier-grade NAT, unique-local IPv6,
 *     multicast, documentation and reserved blocks) and names only a local network resolves (single
 *     labels such as {@code intranet}, {@code .local}, {@code .internal}, {@code .home.arpa}), unless
 *     the operator allows them ({@code --allow-private-destinations}, for a shortener inside a company);</li>
 * <li>{@code url-homograph}: a name label that mixes scripts ({@code pаypal} with a Cyrillic а) beyond the
 *     combinations Unicode's UTS #39 "highly restrictive" level allows (Latin with Han and Japanese kana,
 *     Bopomofo or Hangul), or one written wholly in Cyrillic letters that look Latin under a Latin
 *     top-level domain ({@code аррӏе.com}), as browsers judge whole-script confusables.</li>
 * </ul>
 * IPv6 addresses that carry an IPv4 one (mapped, compatible, NAT64 {@code 64:ff9b::/96}, 6to4
 * {@code 2002::/16}) are judged by the IPv4 address inside. Names are not resolved: a link is checked
 * where it is created, and what a name resolves to later is outside Bounce's reach (and harmless to
 * it: the edge never fetches a destination).
 */
public final class AddressPolicy
{
    private static final List<AddressRange> LOOP = ranges("127.0.0.0/8", "0.0.0.0/8", "::1/128", "::/128");
    private static final List<AddressRange> PRIVATE = ranges(
        "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8");
    private static final List<String> LOCAL_SUFFIXES = List.of(".local", ".internal", ".home.arpa", ".lan", ".intranet");
    private static final String CYRILLIC_LIKE_LATIN = "асԁеһіјӏорԗԛѕԝхуъьҽпгѵѡ";
    private static final Set<Character.UnicodeScript> JAPANESE =
        EnumSet.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.HAN, Character.UnicodeScript.HIRAGANA,
            Character.UnicodeScript.KATAKANA);
    private static final Set<Character.UnicodeScript> CHINESE =
        EnumSet.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.HAN, Character.UnicodeScript.BOPOMOFO);
    private static final Set<Character.UnicodeScript> KOREAN =
        EnumSet.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.HAN, Character.UnicodeScript.HANGUL);

    private final List<AddressRange> own;
    private final boolean allowPrivate;

    /**
     * @param ownAddresses the edges' public addresses (CIDR blocks); this host's own interfaces are added.
     * @param allowPrivate whether private addresses and local names may be destinations.
     */
    public AddressPolicy(final List<AddressRange> ownAddresses, final boolean allowPrivate)
    {
        final List<AddressRange> all = new ArrayList<>(LOOP);
        all.addAll(ownAddresses);
        all.addAll(interfaceAddresses());
        this.own = List.copyOf(all);
        this.allowPrivate = allowPrivate;
    }

    /**
     * Checks a host already lower-cased and in punycode (IPv6 in brackets, no trailing dot).
     *
     * @return the host as it should be stored: IPv4 in dotted-quad form, anything else unchanged.
     * @throws Problem {@code url-host}, {@code url-loop}, {@code url-private-address} or {@code url-homograph}.
     */
    public String check(final String host)
    {
        if (host.startsWith("["))
        {
            final String inner = host.substring(1, host.length() - 1);
            final byte[] address = AddressRange.literal(inner);
            if (address == null)
            {
                throw Problem.badRequest("url-host", "url host is not a valid IPv6 address");
            }
            judge(embeddedIpv4(address));
            return host;
        }
        final long ipv4 = Ipv4.parse(host);
        if (ipv4 == Ipv4.INVALID)
        {
            throw Problem.badRequest("url-host", "url host ends in a number but is not a valid IPv4 address");
        }
        if (ipv4 != Ipv4.NOT_A_NUMBER)
        {
            final byte[] address = {(byte)(ipv4 >>> 24), (byte)(ipv4 >>> 16), (byte)(ipv4 >>> 8), (byte)ipv4};
            judge(address);
            return Ipv4.format(ipv4);
        }
        if (host.equals("localhost") || host.endsWith(".localhost"))
        {
            throw Problem.badRequest("url-loop", "url points at localhost");
        }
        if (!allowPrivate && (host.indexOf('.') < 0 || LOCAL_SUFFIXES.stream().anyMatch(host::endsWith)))
        {
            throw Problem.badRequest("url-private-address", "url host is a name only a local network can resolve; " +
                "the operator has not allowed private destinations");
        }
        homograph(host);
        return host;
    }

    private void judge(final byte[] address)
    {
        for (final AddressRange range : own)
        {
            if (range.contains(address))
            {
                throw Problem.badRequest("url-loop", "url points at this service's own or a loopback address");
            }
        }
        if (!allowPrivate)
        {
            for (final AddressRange range : PRIVATE)
            {
                if (range.contains(address))
                {
                    throw Problem.badRequest("url-private-address", "url points at a private, link-local or reserved " +
                        "address; the operator has not allowed private destinations");
                }
            }
        }
    }

    /** The IPv4 address an IPv6 one carries (compatible {@code ::a.b.c.d}, NAT64, 6to4), else the address itself. */
    private static byte[] embeddedIpv4(final byte[] address)
    {
        if (address.length != 16)
        {
            return address; // the JDK already turned an IPv4-mapped address into IPv4
        }
        final boolean compatible = isZero(address, 0, 12) && !isZero(address, 12, 14);
        final boolean nat64 = address[0] == 0 && address[1] == 0x64 && address[2] == (byte)0xff && address[3] == (byte)0x9b &&
            isZero(address, 4, 12);
        if (compatible || nat64)
        {
            return new byte[] {address[12], address[13], address[14], address[15]};
        }
        if (address[0] == 0x20 && address[1] == 0x02)
        {
            return new byte[] {address[2], address[3], address[4], address[5]};
        }
        return address;
    }

    private static boolean isZero(final byte[] bytes, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (bytes[i] != 0)
            {
                return false;
            }
        }
        return true;
    }

    private static void homograph(final String host)
    {
        if (!host.contains("xn--"))
        {
            return; // all ASCII: one script
        }
        final String[] labels = host.split("\\.");
        final boolean latinTld = labels[labels.length - 1].chars().allMatch(c -> c < 0x80) && !labels[labels.length - 1].startsWith("xn--");
        for (final String label : labels)
        {
            if (!label.startsWith("xn--"))
            {
                continue;
            }
            final int[] unicode = Punycode.decode(label);
            if (unicode == null)
            {
                throw Problem.badRequest("url-host", "url host has a label that is not valid punycode");
            }
            final Set<Character.UnicodeScript> scripts = EnumSet.noneOf(Character.UnicodeScript.class);
            boolean allCyrillicLikeLatin = true;
            for (final int point : unicode)
            {
                final int c = Character.toLowerCase(point);
                final Character.UnicodeScript script = Character.UnicodeScript.of(c);
                if (script == Character.UnicodeScript.COMMON || script == Character.UnicodeScript.INHERITED)
                {
                    continue;
                }
                scripts.add(script);
                allCyrillicLikeLatin &= CYRILLIC_LIKE_LATIN.indexOf(c) >= 0;
            }
            if (scripts.size() > 1 && !JAPANESE.containsAll(scripts) && !CHINESE.containsAll(scripts) && !KOREAN.containsAll(scripts))
            {
                throw Problem.badRequest("url-homograph", "url host mixes scripts " + scripts + " in one label, " +
                    "as look-alike domains do");
            }
            if (latinTld && allCyrillicLikeLatin && scripts.equals(EnumSet.of(Character.UnicodeScript.CYRILLIC)))
            {
                throw Problem.badRequest("url-homograph", "url host is written in Cyrillic letters that look Latin, " +
                    "as look-alike domains are");
            }
        }
    }

    private static List<AddressRange> interfaceAddresses()
    {
        final List<AddressRange> out = new ArrayList<>();
        try
        {
            for (final NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces()))
            {
                for (final InetAddress address : Collections.list(nic.getInetAddresses()))
                {
                    final String text = address.getHostAddress();
                    final int zone = text.indexOf('%');
                    out.add(AddressRange.parse(zone < 0 ? text : text.substring(0, zone)));
                }
            }
        }
        catch (final SocketException | RuntimeException ex)
        {
            // no interface list: loopback and the configured addresses still count as our own
        }
        return out;
    }

    private static List<AddressRange> ranges(final String... cidrs)
    {
        final List<AddressRange> out = new ArrayList<>();
        for (final String cidr : cidrs)
        {
            out.add(AddressRange.parse(cidr));
        }
        return List.copyOf(out);
    }
}
