package io.bounce.control.domains;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import io.bounce.control.store.Queries;

/**
 * The domains links can belong to: the default one from configuration and branded ones an admin
 * adds. Held in memory (replaced whole when one is added) for validation and loop detection.
 */
public final class Domains
{
    private final String defaultDomain;
    private volatile List<String> names = List.of();

    public Domains(final String defaultDomain)
    {
        this.defaultDomain = defaultDomain;
    }

    public String defaultDomain()
    {
        return defaultDomain;
    }

    public void reload(final Connection connection) throws SQLException
    {
        names = List.copyOf(Queries.listDomains(connection));
    }

    public List<String> names()
    {
        return names;
    }

    public boolean contains(final String domain)
    {
        return names.contains(domain);
    }

    /** Whether {@code host} is one of our domains or below one: a destination there would loop. */
    public boolean isOwn(final String host)
    {
        for (final String name : names)
        {
            if (host.equals(name) || host.endsWith("." + name))
            {
                return true;
            }
        }
        return false;
    }
}
