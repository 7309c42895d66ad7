package io.bounce.edge.rules;

import java.nio.charset.StandardCharsets;

import io.bounce.replication.link.RuleSet;
import io.netty.buffer.ByteBuf;

/**
 * What link rules read from a User-Agent: the device class, the operating system, and whether it is a link-preview
 * crawler. Byte searches for the tokens browsers and crawlers send, in the order that tells them apart (an Android UA
 * also says "Linux", an iPhone's "like Mac OS X"). Stateless; allocates nothing.
 *
 * <p>What a UA cannot say: iPadOS 13 and later ask for desktop sites as "Macintosh", so such an iPad counts as macOS on
 * a desktop, as every server-side classifier sees it.
 */
public final class UserAgentTraits
{
    private static final byte[] IPAD = ascii("iPad");
    private static final byte[] IPHONE = ascii("iPhone");
    private static final byte[] IPOD = ascii("iPod");
    private static final byte[] ANDROID = ascii("Android");
    private static final byte[] MOBILE = ascii("Mobile");
    private static final byte[] CROS = ascii("CrOS");
    private static final byte[] WINDOWS_PHONE = ascii("Windows Phone");
    private static final byte[] WINDOWS = ascii("Windows");
    private static final byte[] MACINTOSH = ascii("Macintosh");
    private static final byte[] MAC_OS_X = ascii("Mac OS X");
    private static final byte[] LINUX = ascii("Linux");
    private static final byte[] X11 = ascii("X11");

    /**
     * The link-preview crawlers that get a link's social preview page: Slack, X/Twitter, Facebook (and Messenger,
     * Instagram), LinkedIn, Discord, WhatsApp, Telegram, Skype and Teams, Pinterest, Reddit, Embedly (Medium and
     * others), Iframely, VK, Mastodon, Bluesky, Apple's iMessage previews, Google Chat, Microsoft's preview service,
     * Snapchat, Viber and Tumblr.
     */
    static final byte[][] CRAWLERS = {
        ascii("Slackbot"), ascii("Slack-ImgProxy"), ascii("Twitterbot"), ascii("facebookexternalhit"), ascii("Facebot"),
        ascii("LinkedInBot"), ascii("Discordbot"), ascii("WhatsApp"), ascii("TelegramBot"), ascii("SkypeUriPreview"),
        ascii("Pinterestbot"), ascii("redditbot"), ascii("Embedly"), ascii("Iframely"), ascii("vkShare"), ascii("Mastodon/"),
        ascii("Bluesky"), ascii("Cardyb"), ascii("Applebot"), ascii("Google-PageRenderer"), ascii("BingPreview"),
        ascii("Snapchat"), ascii("Viber"), ascii("Tumblr"),
    };

    private UserAgentTraits()
    {
    }

    /** @return the UA's {@code RuleSet.DEVICE_*} bit, or 0 when it says nothing we know (no header, a script). */
    public static int device(final ByteBuf in, final int start, final int end)
    {
        if (start < 0)
        {
            return 0;
        }
        if (contains(in, start, end, IPAD))
        {
            return RuleSet.DEVICE_TABLET;
        }
        if (contains(in, start, end, IPHONE) || contains(in, start, end, IPOD) || contains(in, start, end, WINDOWS_PHONE))
        {
            return RuleSet.DEVICE_MOBILE;
        }
        if (contains(in, start, end, ANDROID))
        {
            return contains(in, start, end, MOBILE) ? RuleSet.DEVICE_MOBILE : RuleSet.DEVICE_TABLET;
        }
        if (contains(in, start, end, WINDOWS) || contains(in, start, end, MACINTOSH) || contains(in, start, end, CROS) ||
            contains(in, start, end, X11) || contains(in, start, end, LINUX))
        {
            return RuleSet.DEVICE_DESKTOP;
        }
        return contains(in, start, end, MOBILE) ? RuleSet.DEVICE_MOBILE : 0;
    }

    /** @return the UA's {@code RuleSet.OS_*} bit, or 0 when it names none we know. */
    public static int os(final ByteBuf in, final int start, final int end)
    {
        if (start < 0)
        {
            return 0;
        }
        if (contains(in, start, end, IPHONE) || contains(in, start, end, IPAD) || contains(in, start, end, IPOD))
        {
            return RuleSet.OS_IOS;
        }
        if (contains(in, start, end, ANDROID))
        {
            return RuleSet.OS_ANDROID;
        }
        if (contains(in, start, end, CROS))
        {
            return RuleSet.OS_CHROMEOS;
        }
        if (contains(in, start, end, WINDOWS))
        {
            return RuleSet.OS_WINDOWS;
        }
        if (contains(in, start, end, MACINTOSH) || contains(in, start, end, MAC_OS_X))
        {
            return RuleSet.OS_MACOS;
        }
        return contains(in, start, end, LINUX) || contains(in, start, end, X11) ? RuleSet.OS_LINUX : 0;
    }

    /** @return true if the UA is one of the {@link #CRAWLERS}. */
    public static boolean isPreviewCrawler(final ByteBuf in, final int start, final int end)
    {
        if (start < 0)
        {
            return false;
        }
        for (final byte[] crawler : CRAWLERS)
        {
            if (contains(in, start, end, crawler))
            {
                return true;
            }
        }
        return false;
    }

    static boolean contains(final ByteBuf in, final int start, final int end, final byte[] token)
    {
        final byte first = token[0];
        final int last = end - token.length;
        outer:
        for (int i = start; i <= last; i++)
        {
            if (in.getByte(i) != first)
            {
                continue;
            }
            for (int j = 1; j < token.length; j++)
            {
                if (in.getByte(i + j) != token[j])
                {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
