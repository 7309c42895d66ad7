package io.bounce.aggregator;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import ua_parser.Client;
import ua_parser.Parser;

/**
 * What a user agent is: browser, OS, device type, and whether it is a bot. Parsing is uap-java (the
 * ua-parser project's regexes); on top of it a list of link-preview fetchers and scripted clients
 * that count as bots, because what a marketer wants is people. Results are cached per distinct user
 * agent (there are few next to the number of clicks). Safe on any thread: uap-java's parser is
 * immutable once loaded, and the cache is concurrent.
 */
final class UserAgents
{
    /** Link unfurlers, crawlers and scripted clients that uap-java does not call "Spider". */
    private static final Pattern BOTS = Pattern.compile(
        "bot\\b|bot/|crawler|spider|slurp|preview|facebookexternalhit|facebookcatalog|slack|twitterbot|whatsapp|discord|" +
        "telegram|linkedinbot|embedly|skypeuripreview|pinterest|vkshare|redditbot|applebot|bingpreview|googleother|" +
        "headlesschrome|phantomjs|curl/|wget/|python-requests|python-urllib|go-http-client|java/|okhttp|axios|libwww|httpclient",
        Pattern.CASE_INSENSITIVE);
    private static final int CACHE_LIMIT = 50_000;

    /** One parsed user agent. */
    record Agent(String browser, String os, String device, boolean bot)
    {
    }

    private final Parser parser = new Parser();
    private final Map<String, Agent> cache = new java.util.concurrent.ConcurrentHashMap<>();

    Agent parse(final String userAgent)
    {
        Agent agent = cache.get(userAgent);
        if (agent == null)
        {
            agent = classify(userAgent);
            if (cache.size() >= CACHE_LIMIT)
            {
                cache.clear();
            }
            cache.put(userAgent, agent);
        }
        return agent;
    }

    private Agent classify(final String userAgent)
    {
        if (userAgent.isEmpty())
        {
            return new Agent("Other", "Other", "other", true); // browsers always send one
        }
        final Client client = parser.parse(userAgent);
        final String browser = client.userAgent == null ? "Other" : client.userAgent.family;
        final String os = client.os == null ? "Other" : client.os.family;
        final String deviceFamily = client.device == null ? "Other" : client.device.family;
        final boolean bot = "Spider".equals(deviceFamily) || BOTS.matcher(userAgent).find();
        return new Agent(browser, os, bot ? "bot" : deviceType(userAgent, os, deviceFamily), bot);
    }

    private static String deviceType(final String userAgent, final String os, final String deviceFamily)
    {
        final String ua = userAgent.toLowerCase(Locale.ROOT);
        if (deviceFamily.contains("iPad") || ua.contains("tablet") || (os.equals("Android") && !ua.contains("mobile")))
        {
            return "tablet";
        }
        if (os.equals("iOS") || os.equals("Android") || ua.contains("mobile"))
        {
            return "mobile";
        }
        if (os.startsWith("Windows") || os.equals("Mac OS X") || os.equals("Linux") || os.equals("Ubuntu") ||
            os.equals("Chrome OS") || os.equals("Fedora"))
        {
            return "desktop";
        }
        return "other";
    }
}
