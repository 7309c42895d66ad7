package io.bounce.edge.rules;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.bounce.edge.clicks.SipHash;
import io.bounce.edge.clicks.TrustedProxies;
import io.bounce.edge.geo.GeoIp;
import io.bounce.replication.link.LinkView;
import io.bounce.replication.link.RuleSet;
import io.bounce.replication.link.RulesView;
import io.bounce.runtime.limits.AddressBudget;
import io.netty.buffer.ByteBuf;

/**
 * Decides where one visitor of a link with rules goes, from the record's rules section read in place ({@link RulesView}):
 * the first target whose conditions all hold, else a variant picked by the visitor's hash, else the link's URL. Each
 * trait of the visitor (device, OS, country, preferred language) is worked out once per request and only when a rule
 * asks for it. Owned by one event loop; allocates nothing once its GeoIP cache is warm.
 *
 * <p>The client's address, for the country and the variant, is the peer's (the PROXY protocol's client behind an L4
 * balancer), or with {@code --trusted-proxies} the one a trusted proxy names in X-Forwarded-For, as for click rows.
 *
 * <p>Variants are split by SipHash-2-4 of the client address and the link's key under a fleet-wide key derived from
 * the click token, so every edge sends the same visitor to the same variant with no state, and a visitor cannot pick
 * their variant (nor predict another's) without the token.
 */
public final class RuleEvaluator
{
    /** {@link #choice()}: the link's own URL. */
    public static final int CHOICE_URL = 0;
    /** {@link #choice()}: variant {@code j} (from 0) is {@code CHOICE_VARIANT + j}; target {@code i} (from 0) is {@code 1 + i}. */
    public static final int CHOICE_VARIANT = 101;
    /** {@link #choice()}: an expired or deleted link's expiredUrl. */
    public static final int CHOICE_EXPIRED = 255;

    private static final int UNKNOWN = -1;

    private final GeoIp geoIp;
    private final TrustedProxies proxies;
    private final GeoIp.Cache geoCache = new GeoIp.Cache();
    /** The client's address once worked out (the peer's, or what a trusted proxy names), and scratch for a hop. */
    private final byte[] client = new byte[16];
    private final byte[] hop = new byte[16];
    private int clientLength;
    private final long k0;
    private final long k1;
    private final SipHash sipHash = new SipHash();
    /** The client's address then the link's key: the variant hash's input. */
    private final byte[] hashInput = new byte[16 + 1024];

    private ByteBuf in;
    private int userAgentStart;
    private int userAgentEnd;
    private int languageHeaderStart;
    private int languageHeaderEnd;
    private int queryStart;
    private int queryEnd;
    private int countryHeaderStart;
    private int countryHeaderEnd;
    private int forwardedForStart;
    private int forwardedForEnd;
    private byte[] address;
    private int addressLength;
    private long nowMs;

    private int device;
    private int os;
    private int country;
    private int languageStart;
    private int languageEnd;

    private int urlOffset;
    private int urlLength;
    private int choice;

    /**
     * @param geoIp       countries from {@code --geoip-db}, or null (then only the country header says).
     * @param variantKey  16 bytes keying the variant split, the same on every edge of a fleet.
     * @param proxies     {@code --trusted-proxies}: whose X-Forwarded-For names the client (country and variant).
     */
    public RuleEvaluator(final GeoIp geoIp, final byte[] variantKey, final TrustedProxies proxies)
    {
        this.geoIp = geoIp;
        this.proxies = proxies;
        this.k0 = SipHash.littleEndian(variantKey, 0, 8);
        this.k1 = SipHash.littleEndian(variantKey, 8, 8);
    }

    /**
     * Start a request: where its headers and query are in {@code in} (-1 starts for absent ones) and who sent it (the
     * peer, or the PROXY protocol's client).
     */
    public void visitor(final ByteBuf in, final int userAgentStart, final int userAgentEnd, final int languageStart, final int languageEnd,
        final int queryStart, final int queryEnd, final int countryStart, final int countryEnd, final int forwardedForStart,
        final int forwardedForEnd, final byte[] address, final int addressLength, final long nowMs)
    {
        this.forwardedForStart = forwardedForStart;
        this.forwardedForEnd = forwardedForEnd;
        this.clientLength = UNKNOWN;
        this.in = in;
        this.userAgentStart = userAgentStart;
        this.userAgentEnd = userAgentEnd;
        this.languageHeaderStart = languageStart;
        this.languageHeaderEnd = languageEnd;
        this.queryStart = queryStart;
        this.queryEnd = queryEnd;
        this.countryHeaderStart = countryStart;
        this.countryHeaderEnd = countryEnd;
        this.address = address;
        this.addressLength = addressLength;
        this.nowMs = nowMs;
        device = UNKNOWN;
        os = UNKNOWN;
        country = UNKNOWN;
        this.languageStart = UNKNOWN;
    }

    /** @return the 16-byte variant key derived from a fleet secret (the click token, else the replication token). */
    public static byte[] variantKey(final String fleetSecret)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            // prefixed: an edge with no token at all still has a key (its split is then the same, and guessable, everywhere)
            mac.init(new SecretKeySpec(("bounce:" + fleetSecret).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal("bounce-variant-key".getBytes(StandardCharsets.US_ASCII)), 16);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return the position of the link's PASSWORD section in its rules, or -1 when it has no password. */
    public int password(final LinkView link)
    {
        final RulesView rules = link.rules();
        for (int p = rules.first(); p < rules.end(); p = rules.next(p))
        {
            if (rules.tag(p) == RulesView.PASSWORD)
            {
                return p;
            }
        }
        return -1;
    }

    /** @return the visitor's bucket key for per-visitor budgets ({@link AddressBudget#keyOf}), after {@link #visitor}. */
    public long visitorBucket()
    {
        return AddressBudget.keyOf(client, clientLength());
    }

    /** @return where the chosen URL starts in the record's bytes. */
    public int urlOffset()
    {
        return urlOffset;
    }

    public int urlLength()
    {
        return urlLength;
    }

    /** @return what was chosen: {@link #CHOICE_URL}, a target ({@code 1 + i}) or a variant ({@link #CHOICE_VARIANT} {@code + j}). */
    public int choice()
    {
        return choice;
    }

    /**
     * Choose the destination of a readable record with rules.
     *
     * @param record the bytes the view wraps, from offset 0.
     * @param key    the link's {@code domain/code} key, its first {@code keyLength} bytes.
     */
    public void choose(final LinkView link, final byte[] record, final byte[] key, final int keyLength)
    {
        urlOffset = link.urlOffset();
        urlLength = link.urlLength();
        choice = CHOICE_URL;
        final RulesView rules = link.rules();
        int totalWeight = 0;
        int target = 0;
        for (int p = rules.first(); p < rules.end(); p = rules.next(p))
        {
            final int tag = rules.tag(p);
            if (tag == RulesView.VARIANT)
            {
                totalWeight += rules.weight(p);
            }
            else if (tag == RulesView.TARGET)
            {
                if (matches(rules, p, record))
                {
                    urlOffset = rules.targetUrlOffset(p);
                    urlLength = rules.targetUrlLength(p);
                    choice = 1 + target;
                    return;
                }
                target++;
            }
        }
        if (totalWeight > 0)
        {
            long pick = Long.remainderUnsigned(variantHash(key, keyLength), totalWeight);
            int variant = 0;
            for (int p = rules.first(); p < rules.end(); p = rules.next(p))
            {
                if (rules.tag(p) == RulesView.VARIANT)
                {
                    pick -= rules.weight(p);
                    if (pick < 0)
                    {
                        urlOffset = rules.variantUrlOffset(p);
                        urlLength = rules.variantUrlLength(p);
                        choice = CHOICE_VARIANT + variant;
                        return;
                    }
                    variant++;
                }
            }
        }
    }

    /**
     * Where an expired, limited or deleted link sends its visitors instead of a 410: sets the URL and returns true, or
     * returns false when the record names none.
     */
    public boolean expiredUrl(final LinkView link)
    {
        if (!link.hasRules())
        {
            return false;
        }
        final RulesView rules = link.rules();
        for (int p = rules.first(); p < rules.end(); p = rules.next(p))
        {
            if (rules.tag(p) == RulesView.EXPIRED_URL && rules.payloadLength(p) > 0)
            {
                urlOffset = rules.payload(p);
                urlLength = rules.payloadLength(p);
                choice = CHOICE_EXPIRED;
                return true;
            }
        }
        return false;
    }

    /** @return the position of the record's PREVIEW section when the visitor is a link-preview crawler, else -1. */
    public int preview(final LinkView link)
    {
        final RulesView rules = link.rules();
        for (int p = rules.first(); p < rules.end(); p = rules.next(p))
        {
            if (rules.tag(p) == RulesView.PREVIEW)
            {
                return UserAgentTraits.isPreviewCrawler(in, userAgentStart, userAgentEnd) ? p : -1;
            }
        }
        return -1;
    }

    private boolean matches(final RulesView rules, final int p, final byte[] record)
    {
        final int deviceMask = rules.deviceMask(p);
        if (deviceMask != 0 && (deviceMask & device()) == 0)
        {
            return false;
        }
        final int osMask = rules.osMask(p);
        if (osMask != 0 && (osMask & os()) == 0)
        {
            return false;
        }
        final int countries = rules.countryCount(p);
        if (countries > 0 && !countryListed(record, rules.countriesOffset(p), countries))
        {
            return false;
        }
        final int languages = rules.languageCount(p);
        if (languages > 0 && !languageListed(record, rules.languagesOffset(p), languages))
        {
            return false;
        }
        final int queryMode = rules.queryMode(p);
        return queryMode == RuleSet.QUERY_NONE || queryMatches(record, rules.queryNameOffset(p), rules.queryNameLength(p),
            queryMode == RuleSet.QUERY_EQUALS, rules.queryValueOffset(p), rules.queryValueLength(p));
    }

    private int device()
    {
        if (device == UNKNOWN)
        {
            device = UserAgentTraits.device(in, userAgentStart, userAgentEnd);
        }
        return device;
    }

    private int os()
    {
        if (os == UNKNOWN)
        {
            os = UserAgentTraits.os(in, userAgentStart, userAgentEnd);
        }
        return os;
    }

    /** The client's country ({@code first << 8 | second}, upper case): the GeoIP database first, then the country header. */
    private int country()
    {
        if (country == UNKNOWN)
        {
            country = geoIp == null ? 0 : geoIp.countryCode(client, clientLength(), nowMs, geoCache);
            if (country == 0 && countryHeaderStart >= 0 && countryHeaderEnd - countryHeaderStart == 2)
            {
                final int first = upper(in.getByte(countryHeaderStart));
                final int second = upper(in.getByte(countryHeaderStart + 1));
                country = first >= 'A' && first <= 'Z' && second >= 'A' && second <= 'Z' ? first << 8 | second : 0;
            }
        }
        return country;
    }

    private boolean countryListed(final byte[] record, final int at, final int count)
    {
        final int visitor = country();
        if (visitor == 0)
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            if (((record[at + 2 * i] & 0xFF) << 8 | record[at + 2 * i + 1] & 0xFF) == visitor)
            {
                return true;
            }
        }
        return false;
    }

    private boolean languageListed(final byte[] record, final int at, final int count)
    {
        if (languageStart == UNKNOWN)
        {
            final long preferred = AcceptLanguage.preferred(in, languageHeaderStart, languageHeaderEnd);
            languageStart = preferred < 0 ? -2 : (int)(preferred >>> 32);
            languageEnd = (int)preferred;
        }
        return languageStart >= 0 && AcceptLanguage.listed(in, languageStart, languageEnd, record, at, count);
    }

    /** The request's query has a parameter of that name (as written in the URL) and, when {@code equals}, that value. */
    private boolean queryMatches(final byte[] record, final int nameAt, final int nameLength, final boolean equals, final int valueAt,
        final int valueLength)
    {
        int i = queryStart;
        while (i < queryEnd)
        {
            int paramEnd = i;
            while (paramEnd < queryEnd && in.getByte(paramEnd) != '&')
            {
                paramEnd++;
            }
            int nameEnd = i;
            while (nameEnd < paramEnd && in.getByte(nameEnd) != '=')
            {
                nameEnd++;
            }
            if (nameEnd - i == nameLength && same(i, record, nameAt, nameLength))
            {
                if (!equals)
                {
                    return true;
                }
                final int valueStart = nameEnd < paramEnd ? nameEnd + 1 : paramEnd;
                if (paramEnd - valueStart == valueLength && same(valueStart, record, valueAt, valueLength))
                {
                    return true;
                }
            }
            i = paramEnd + 1;
        }
        return false;
    }

    private boolean same(final int at, final byte[] record, final int recordAt, final int length)
    {
        for (int j = 0; j < length; j++)
        {
            if (in.getByte(at + j) != record[recordAt + j])
            {
                return false;
            }
        }
        return true;
    }

    private long variantHash(final byte[] key, final int keyLength)
    {
        final int length = clientLength();
        final int keyBytes = Math.min(keyLength, hashInput.length - length);
        System.arraycopy(client, 0, hashInput, 0, length);
        System.arraycopy(key, 0, hashInput, length, keyBytes);
        return sipHash.hash(k0, k1, hashInput, 0, length + keyBytes);
    }

    /** The client's address into {@link #client}, worked out once per request: @return its length. */
    private int clientLength()
    {
        if (clientLength == UNKNOWN)
        {
            clientLength = proxies == null || proxies.isEmpty() ? copyPeer()
                : proxies.client(in, forwardedForStart, forwardedForEnd, address, addressLength, client, hop);
        }
        return clientLength;
    }

    private int copyPeer()
    {
        System.arraycopy(address, 0, client, 0, addressLength);
        return addressLength;
    }

    private static int upper(final byte b)
    {
        return b >= 'a' && b <= 'z' ? b - 32 : b;
    }
}
