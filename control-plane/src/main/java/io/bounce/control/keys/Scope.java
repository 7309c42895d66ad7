package io.bounce.control.keys;

import java.util.EnumSet;
import java.util.Set;

/** What a key may do. {@code admin} implies every other scope and sees every key's links. */
public enum Scope
{
    ADMIN("admin"),
    LINKS_WRITE("links:write"),
    LINKS_READ("links:read"),
    ANALYTICS_READ("analytics:read");

    private final String label;

    Scope(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }

    public static Scope parse(final String label)
    {
        for (final Scope scope : values())
        {
            if (scope.label.equals(label))
            {
                return scope;
            }
        }
        throw new IllegalArgumentException("unknown scope '" + label + "' (admin, links:write, links:read, analytics:read)");
    }

    public static Set<Scope> parseList(final String commaSeparated)
    {
        final Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (final String label : commaSeparated.split(","))
        {
            if (!label.isBlank())
            {
                scopes.add(parse(label.strip()));
            }
        }
        return scopes;
    }

    public static String join(final Set<Scope> scopes)
    {
        final StringBuilder out = new StringBuilder();
        for (final Scope scope : scopes)
        {
            out.append(out.length() == 0 ? "" : ",").append(scope.label);
        }
        return out.toString();
    }
}
