package io.bounce.control.keys;

import java.util.Set;

/**
 * An authenticated caller: its id (links are owned by it), name, scopes, rate limit, and the domains it
 * may create links on: the default domain always, branded ones only when granted (an admin key: all).
 */
public final class ApiKey
{
    private final long id;
    private final String name;
    private final Set<Scope> scopes;
    private final double ratePerSecond;
    private final int burst;
    private final Set<String> domains;
    private final long ownerId;
    private final long accountId;

    public ApiKey(final long id, final String name, final Set<Scope> scopes, final double ratePerSecond, final int burst)
    {
        this(id, name, scopes, ratePerSecond, burst, Set.of());
    }

    /** @param domains the branded domains granted ({@value #ALL_DOMAINS} for every one). */
    public ApiKey(final long id, final String name, final Set<Scope> scopes, final double ratePerSecond, final int burst,
        final Set<String> domains)
    {
        this(id, name, scopes, ratePerSecond, burst, domains, 0, id);
    }

    /**
     * @param accountId the dashboard account the key belongs to, or 0.
     * @param ownerId   whose links it makes and sees: its account's own key, or itself when it belongs to none.
     */
    public ApiKey(final long id, final String name, final Set<Scope> scopes, final double ratePerSecond, final int burst,
        final Set<String> domains, final long accountId, final long ownerId)
    {
        this.accountId = accountId;
        this.ownerId = ownerId;
        this.id = id;
        this.name = name;
        this.scopes = Set.copyOf(scopes);
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.domains = Set.copyOf(domains);
    }

    /** Granted as a key's domains: every domain, present and future. */
    public static final String ALL_DOMAINS = "*";

    /** Whether this key may create links on {@code domain}, given which domain is the default. */
    public boolean mayCreateOn(final String domain, final String defaultDomain)
    {
        return isAdmin() || domain.equals(defaultDomain) || domains.contains(ALL_DOMAINS) || domains.contains(domain);
    }

    public long id()
    {
        return id;
    }

    /**
     * @return the key that owns the links this key makes and may see: the key itself, or, for a key of a dashboard account,
     * the account's own key, so that the account and all its keys share one set of links.
     */
    public long ownerId()
    {
        return ownerId;
    }

    /** @return the dashboard account this key belongs to, or 0. */
    public long accountId()
    {
        return accountId;
    }

    public String name()
    {
        return name;
    }

    public Set<Scope> scopes()
    {
        return scopes;
    }

    public boolean isAdmin()
    {
        return scopes.contains(Scope.ADMIN);
    }

    public boolean has(final Scope scope)
    {
        return isAdmin() || scopes.contains(scope);
    }

    /** @return requests per second allowed; 0 means unlimited. */
    public double ratePerSecond()
    {
        return ratePerSecond;
    }

    public int burst()
    {
        return burst;
    }
}
