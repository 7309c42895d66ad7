package io.bounce.control.keys;

import java.util.Set;

/** An authenticated caller: its id (links are owned by it), name, scopes and rate limit. */
public final class ApiKey
{
    private final long id;
    private final String name;
    private final Set<Scope> scopes;
    private final double ratePerSecond;
    private final int burst;

    public ApiKey(final long id, final String name, final Set<Scope> scopes, final double ratePerSecond, final int burst)
    {
        this.id = id;
        this.name = name;
        this.scopes = Set.copyOf(scopes);
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
    }

    public long id()
    {
        return id;
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
