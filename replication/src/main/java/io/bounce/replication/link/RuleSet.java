package io.bounce.replication.link;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

import org.agrona.MutableDirectBuffer;

/**
 * What a link answers each visitor differently, as the control plane compiled it for the edges: targets tried in
 * order (the first whose condition holds gives the destination), weighted A/B variants for everyone else, the URL an
 * expired, limited or deleted link sends visitors to, the page link-preview crawlers get, and the argon2id hash of the
 * password a visitor must give first. Immutable. Its bytes are
 * the rules section of a version 2 link record, laid out in {@link RulesView}, the one reader of that layout.
 *
 * <p>The control plane has already applied the link's UTM parameters to every destination here (the edge appends
 * nothing but the visitor's query), and checked every URL against its destination policy.
 */
public final class RuleSet
{
    public static final int DEVICE_MOBILE = 1;
    public static final int DEVICE_TABLET = 1 << 1;
    public static final int DEVICE_DESKTOP = 1 << 2;
    /** The names of the device bits, in bit order: the API's words. */
    public static final List<String> DEVICES = List.of("mobile", "tablet", "desktop");

    public static final int OS_IOS = 1;
    public static final int OS_ANDROID = 1 << 1;
    public static final int OS_WINDOWS = 1 << 2;
    public static final int OS_MACOS = 1 << 3;
    public static final int OS_LINUX = 1 << 4;
    public static final int OS_CHROMEOS = 1 << 5;
    /** The names of the OS bits, in bit order: the API's words. */
    public static final List<String> OSES = List.of("ios", "android", "windows", "macos", "linux", "chromeos");

    public static final int QUERY_NONE = 0;
    public static final int QUERY_PRESENT = 1;
    public static final int QUERY_EQUALS = 2;

    /** Most targets on one link. */
    public static final int MAX_TARGETS = 32;
    /** Most variants on one link. */
    public static final int MAX_VARIANTS = 16;
    /** Most countries, and most languages, one target may list. */
    public static final int MAX_LIST = 64;
    /** Longest language tag ({@code zh-hant-tw}), query parameter name and value. */
    public static final int MAX_LANGUAGE_LENGTH = 35;
    public static final int MAX_QUERY_NAME_LENGTH = 128;
    public static final int MAX_QUERY_VALUE_LENGTH = 512;
    /** Largest variant weight. */
    public static final int MAX_WEIGHT = 10_000;
    /** Longest preview title, description and image URL, in bytes. */
    public static final int MAX_TITLE_BYTES = 300;
    public static final int MAX_DESCRIPTION_BYTES = 1000;
    public static final int MAX_IMAGE_URL_BYTES = 2048;
    /** Largest rules section: with the largest link it keeps a record under the change log's frame limit. */
    public static final int MAX_ENCODED_LENGTH = 16_384;
    /** Longest password hash (its PHC string). */
    public static final int MAX_PASSWORD_HASH_LENGTH = 256;

    /**
     * One target: when every listed condition holds (an empty list or mask tests nothing), the visitor goes to {@code url}.
     *
     * @param deviceMask   {@code DEVICE_*} bits, any of which may match; 0 tests nothing.
     * @param osMask       {@code OS_*} bits, any of which may match; 0 tests nothing.
     * @param countries    ISO 3166-1 alpha-2 codes, upper case, any of which may match.
     * @param languages    language tags, lower case ({@code en}, {@code pt-br}); one matches the visitor's preferred
     *                     language when equal to it or a prefix of it that ends at a '-'.
     * @param queryMode    {@link #QUERY_NONE}, {@link #QUERY_PRESENT} or {@link #QUERY_EQUALS}.
     * @param queryName    the parameter's name as it appears in a URL (percent-encoded), or "".
     * @param queryValue   the value {@link #QUERY_EQUALS} compares with, as it appears in a URL, or "".
     */
    public record Target(int deviceMask, int osMask, List<String> countries, List<String> languages, int queryMode, String queryName,
        String queryValue, String url)
    {
        public Target
        {
            countries = List.copyOf(countries);
            languages = List.copyOf(languages);
            Objects.requireNonNull(queryName, "queryName");
            Objects.requireNonNull(queryValue, "queryValue");
            Objects.requireNonNull(url, "url");
        }
    }

    /** One A/B variant: a visitor lands on it with probability {@code weight / (sum of weights)}. */
    public record Variant(int weight, String url)
    {
        public Variant
        {
            Objects.requireNonNull(url, "url");
        }
    }

    /** What link-preview crawlers are shown: any field may be "" (left out of the page). */
    public record Preview(String title, String description, String image)
    {
        public Preview
        {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(image, "image");
        }
    }

    private final List<Target> targets;
    private final List<Variant> variants;
    private final String expiredUrl;
    private final Preview preview;
    private final String passwordHash;

    /** Rules without a password. */
    public RuleSet(final List<Target> targets, final List<Variant> variants, final String expiredUrl, final Preview preview)
    {
        this(targets, variants, expiredUrl, preview, null);
    }

    /**
     * @param expiredUrl   where an expired, limited or deleted link sends visitors, or null (they get 410).
     * @param preview      what crawlers are shown, or null (they are redirected like everyone).
     * @param passwordHash the argon2id PHC string of the password visitors must give, or null for none.
     * @throws IllegalArgumentException if it breaks a bound of the format.
     */
    public RuleSet(final List<Target> targets, final List<Variant> variants, final String expiredUrl, final Preview preview,
        final String passwordHash)
    {
        this.targets = List.copyOf(targets);
        this.variants = List.copyOf(variants);
        this.expiredUrl = expiredUrl;
        this.preview = preview;
        this.passwordHash = passwordHash;
        if (passwordHash != null && (!passwordHash.startsWith(RulesView.PASSWORD_PREFIX) || passwordHash.length() > MAX_PASSWORD_HASH_LENGTH))
        {
            throw new IllegalArgumentException("a password hash is an argon2id PHC string of at most " + MAX_PASSWORD_HASH_LENGTH + " bytes");
        }
        if (this.targets.size() > MAX_TARGETS || this.variants.size() > MAX_VARIANTS)
        {
            throw new IllegalArgumentException("at most " + MAX_TARGETS + " targets and " + MAX_VARIANTS + " variants");
        }
        for (final Target target : this.targets)
        {
            if (target.countries().size() > MAX_LIST || target.languages().size() > MAX_LIST ||
                (target.deviceMask() & ~0x7) != 0 || (target.osMask() & ~0x3F) != 0 ||
                target.queryMode() < QUERY_NONE || target.queryMode() > QUERY_EQUALS)
            {
                throw new IllegalArgumentException("target out of the format's bounds: " + target);
            }
            for (final String country : target.countries())
            {
                if (country.length() != 2)
                {
                    throw new IllegalArgumentException("country must be two letters: " + country);
                }
            }
        }
        for (final Variant variant : this.variants)
        {
            if (variant.weight() < 1 || variant.weight() > MAX_WEIGHT)
            {
                throw new IllegalArgumentException("variant weight must be 1 to " + MAX_WEIGHT);
            }
        }
        if (encodedLength() > MAX_ENCODED_LENGTH)
        {
            throw new IllegalArgumentException("rules of " + encodedLength() + " bytes are larger than " + MAX_ENCODED_LENGTH);
        }
    }

    public List<Target> targets()
    {
        return targets;
    }

    public List<Variant> variants()
    {
        return variants;
    }

    /** @return where an expired, limited or deleted link sends visitors, or null. */
    public String expiredUrl()
    {
        return expiredUrl;
    }

    /** @return what crawlers are shown, or null. */
    public Preview preview()
    {
        return preview;
    }

    /** @return the argon2id PHC string of the link's password, or null when it has none. */
    public String passwordHash()
    {
        return passwordHash;
    }

    public boolean isEmpty()
    {
        return targets.isEmpty() && variants.isEmpty() && expiredUrl == null && preview == null && passwordHash == null;
    }

    /** @return the bytes {@link #encode} writes. */
    public int encodedLength()
    {
        int length = 0;
        for (final Target target : targets)
        {
            length += RulesView.SECTION_HEADER_LENGTH + RulesView.TARGET_FIXED_LENGTH + 2 * target.countries().size() +
                utf8(target.queryName()).length + utf8(target.queryValue()).length + utf8(target.url()).length;
            for (final String language : target.languages())
            {
                length += 1 + utf8(language).length;
            }
        }
        for (final Variant variant : variants)
        {
            length += RulesView.SECTION_HEADER_LENGTH + 2 + utf8(variant.url()).length;
        }
        if (expiredUrl != null)
        {
            length += RulesView.SECTION_HEADER_LENGTH + utf8(expiredUrl).length;
        }
        if (preview != null)
        {
            length += RulesView.SECTION_HEADER_LENGTH + 6 + utf8(preview.title()).length + utf8(preview.description()).length +
                utf8(preview.image()).length;
        }
        if (passwordHash != null)
        {
            length += RulesView.SECTION_HEADER_LENGTH + passwordHash.length();
        }
        return length;
    }

    /** Write the rules section at {@code at}; @return the bytes written. */
    int encode(final MutableDirectBuffer out, final int at)
    {
        int p = at;
        for (final Target target : targets)
        {
            final byte[] name = utf8(target.queryName());
            final byte[] value = utf8(target.queryValue());
            final byte[] url = utf8(target.url());
            final int start = p;
            p += RulesView.SECTION_HEADER_LENGTH;
            out.putByte(p, (byte)target.deviceMask());
            out.putByte(p + 1, (byte)target.osMask());
            out.putByte(p + 2, (byte)target.countries().size());
            out.putByte(p + 3, (byte)target.languages().size());
            out.putByte(p + 4, (byte)target.queryMode());
            out.putShort(p + 5, (short)name.length, RulesView.ORDER);
            out.putShort(p + 7, (short)value.length, RulesView.ORDER);
            out.putShort(p + 9, (short)url.length, RulesView.ORDER);
            p += RulesView.TARGET_FIXED_LENGTH;
            for (final String country : target.countries())
            {
                out.putByte(p++, (byte)country.charAt(0));
                out.putByte(p++, (byte)country.charAt(1));
            }
            for (final String language : target.languages())
            {
                final byte[] bytes = utf8(language);
                out.putByte(p++, (byte)bytes.length);
                out.putBytes(p, bytes);
                p += bytes.length;
            }
            p = put(out, p, name);
            p = put(out, p, value);
            p = put(out, p, url);
            sectionHeader(out, start, RulesView.TARGET, p);
        }
        for (final Variant variant : variants)
        {
            final int start = p;
            p += RulesView.SECTION_HEADER_LENGTH;
            out.putShort(p, (short)variant.weight(), RulesView.ORDER);
            p = put(out, p + 2, utf8(variant.url()));
            sectionHeader(out, start, RulesView.VARIANT, p);
        }
        if (expiredUrl != null)
        {
            final int start = p;
            p = put(out, p + RulesView.SECTION_HEADER_LENGTH, utf8(expiredUrl));
            sectionHeader(out, start, RulesView.EXPIRED_URL, p);
        }
        if (preview != null)
        {
            final byte[] title = utf8(preview.title());
            final byte[] description = utf8(preview.description());
            final byte[] image = utf8(preview.image());
            final int start = p;
            p += RulesView.SECTION_HEADER_LENGTH;
            out.putShort(p, (short)title.length, RulesView.ORDER);
            out.putShort(p + 2, (short)description.length, RulesView.ORDER);
            out.putShort(p + 4, (short)image.length, RulesView.ORDER);
            p = put(out, p + 6, title);
            p = put(out, p, description);
            p = put(out, p, image);
            sectionHeader(out, start, RulesView.PREVIEW, p);
        }
        if (passwordHash != null)
        {
            final int start = p;
            p = put(out, p + RulesView.SECTION_HEADER_LENGTH, passwordHash.getBytes(StandardCharsets.US_ASCII));
            sectionHeader(out, start, RulesView.PASSWORD, p);
        }
        return p - at;
    }

    private static void sectionHeader(final MutableDirectBuffer out, final int start, final int tag, final int end)
    {
        out.putByte(start, (byte)tag);
        out.putShort(start + 1, (short)(end - start - RulesView.SECTION_HEADER_LENGTH), RulesView.ORDER);
    }

    private static int put(final MutableDirectBuffer out, final int at, final byte[] bytes)
    {
        out.putBytes(at, bytes);
        return at + bytes.length;
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof RuleSet that && targets.equals(that.targets) && variants.equals(that.variants) &&
            Objects.equals(expiredUrl, that.expiredUrl) && Objects.equals(preview, that.preview) &&
            Objects.equals(passwordHash, that.passwordHash);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(targets, variants, expiredUrl, preview, passwordHash);
    }

    @Override
    public String toString()
    {
        return "RuleSet{targets=" + targets + ", variants=" + variants + ", expiredUrl=" + expiredUrl + ", preview=" + preview +
            (passwordHash == null ? "" : ", password") + '}'; // never the hash
    }
}
