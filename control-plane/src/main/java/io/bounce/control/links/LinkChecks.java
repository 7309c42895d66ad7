package io.bounce.control.links;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.bounce.control.ControlPlaneConfig;
import io.bounce.control.domains.Domains;
import io.bounce.control.keys.ApiKey;
import io.bounce.replication.link.LinkRules;
import io.bounce.runtime.http.Problem;
import org.agrona.concurrent.EpochClock;

/**
 * The checks a link passes before the store is asked anything: its domain and the caller's grant to it, alias, URL
 * (the destination policy), redirect, expiry, rules and click limit. Each throws a {@link Problem} naming the rule.
 * Stateless once built; any thread.
 */
final class LinkChecks
{
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]{3,64}");

    private final Domains domains;
    private final DestinationPolicy destinations;
    private final EpochClock clock;
    private final long defaultLifetimeMs;
    private final Set<String> reservedAliases;

    LinkChecks(final ControlPlaneConfig config, final Domains domains, final Blocklist blocklist, final EpochClock clock)
    {
        this.domains = domains;
        this.destinations = new DestinationPolicy(config.maxUrlLength(), domains::isOwn,
            new AddressPolicy(config.destinations().ownAddresses(), config.destinations().allowPrivateDestinations()), blocklist);
        this.clock = clock;
        this.defaultLifetimeMs = config.defaultLifetimeMs();
        this.reservedAliases = config.destinations().reservedAliases().stream().map(a -> a.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }

    DestinationPolicy destinations()
    {
        return destinations;
    }

    /** A link as it will be created, checked against every rule that needs no database. */
    static final class Draft
    {
        String domain;
        String alias;
        String url;
        int status;
        boolean forwardQuery;
        long expiresAt;
        String disabledReason;
        String rules;
        long maxClicks;
        String tags;
    }

    Draft draft(final ApiKey owner, final LinkSpec spec)
    {
        if (spec.url == null)
        {
            throw Problem.badRequest("url-required", "url is required");
        }
        final Draft draft = new Draft();
        draft.domain = spec.domain == null ? domains.defaultDomain() : spec.domain.toLowerCase(Locale.ROOT);
        if (!domains.contains(draft.domain))
        {
            throw Problem.badRequest("domain-unknown", "domain " + Problem.echo(draft.domain) + " is not one of this service's domains");
        }
        if (!owner.mayCreateOn(draft.domain, domains.defaultDomain()))
        {
            throw new Problem(403, "domain-not-granted", "Forbidden", "this key may not create links on " + draft.domain +
                "; an admin grants branded domains to a key (PATCH /api/v1/keys/{id})");
        }
        if (spec.alias != null)
        {
            if (!ALIAS.matcher(spec.alias).matches())
            {
                throw Problem.badRequest("alias-format", "alias must be 3 to 64 of A-Z, a-z, 0-9, '_' and '-'");
            }
            if (reservedAliases.contains(spec.alias.toLowerCase(Locale.ROOT)))
            {
                throw Problem.badRequest("alias-reserved", "alias '" + spec.alias + "' is reserved");
            }
            draft.alias = spec.alias;
        }
        if (spec.disabledReason != null)
        {
            if (!owner.isAdmin())
            {
                throw new Problem(403, "takedown-admin-only", "Forbidden", "only an admin may create a link taken down (disabledReason)");
            }
            draft.disabledReason = checkReason(spec.disabledReason);
        }
        draft.url = destinations.check(spec.url);
        draft.status = checkRedirect(spec.redirect == null ? 302 : spec.redirect);
        draft.forwardQuery = spec.forwardQuery != null && spec.forwardQuery;
        draft.rules = spec.rules == null ? null : LinkRuleSpec.merge(null, LinkRuleSpec.check(spec.rules, destinations));
        checkFits(draft.url, draft.rules);
        draft.maxClicks = spec.maxClicks == null ? 0 : checkMaxClicks(spec.maxClicks);
        draft.tags = checkTags(spec.tags);
        final long now = clock.time();
        draft.expiresAt = spec.expiresAt != null ? checkExpiry(spec.expiresAt, now) :
            defaultLifetimeMs > 0 ? now + defaultLifetimeMs : 0;
        return draft;
    }

    /** The link's destinations with its UTM parameters, and its rules, fit the record edges serve. */
    static void checkFits(final String url, final String rules)
    {
        if (rules == null)
        {
            return;
        }
        final LinkRuleSpec.Compiled compiled;
        try
        {
            compiled = LinkRuleSpec.compile(url, rules, false);
        }
        catch (final IllegalArgumentException ex)
        {
            throw Problem.badRequest("rules-too-large", "the link's rules are too large: " + ex.getMessage());
        }
        if (compiled.url().length() > LinkRules.MAX_URL_LENGTH)
        {
            throw Problem.badRequest("url-too-long", "url with its utm parameters is longer than " + LinkRules.MAX_URL_LENGTH + " characters");
        }
    }

    /** At most this many tags a link. */
    static final int MAX_TAGS = 10;
    private static final java.util.regex.Pattern TAG = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    /**
     * A link's tags: at most {@value #MAX_TAGS}, each 1 to 32 of a-z, 0-9, '-' and '_' (upper case is lowered), each once.
     *
     * @return them joined by commas, in the order given, or null for none.
     * @throws Problem 400 {@code tags-invalid}.
     */
    static String checkTags(final java.util.List<String> tags)
    {
        if (tags == null || tags.isEmpty())
        {
            return null;
        }
        if (tags.size() > MAX_TAGS)
        {
            throw Problem.badRequest("tags-invalid", "a link has at most " + MAX_TAGS + " tags").with("field", "tags");
        }
        final java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (final String tag : tags)
        {
            final String value = tag.strip().toLowerCase(Locale.ROOT);
            if (!TAG.matcher(value).matches())
            {
                throw Problem.badRequest("tags-invalid", "tag " + Problem.echo(tag) + " must be 1 to 32 of a-z, 0-9, '-' and '_', " +
                    "starting with a letter or digit").with("field", "tags");
            }
            out.add(value);
        }
        return String.join(",", out);
    }

    static long checkMaxClicks(final int maxClicks)
    {
        if (maxClicks < 1)
        {
            throw Problem.badRequest("max-clicks", "maxClicks must be at least 1 (null removes the limit)");
        }
        return maxClicks;
    }

    static int checkRedirect(final int status)
    {
        if (!LinkRules.isRedirectStatus(status))
        {
            throw Problem.badRequest("redirect-status", "redirect must be 301, 302, 307 or 308");
        }
        return status;
    }

    static long checkExpiry(final long expiresAt, final long now)
    {
        if (expiresAt <= now)
        {
            throw Problem.badRequest("expires-in-past", "expiresAt must be in the future");
        }
        return expiresAt;
    }

    static String checkReason(final String reason)
    {
        if (reason == null || reason.isBlank() || reason.length() > 1000)
        {
            throw Problem.badRequest("reason-required", "a takedown needs a reason of 1 to 1000 characters");
        }
        return reason;
    }
}
