package io.bounce.control.domains.acme;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;

import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * Whether a branded domain points at the fleet yet: one of its A/AAAA records is one of {@code --public-addresses},
 * or its CNAME is {@code --cname-target}. Asked before every ACME order, so a customer who has not set their DNS
 * yet costs the CA no failed validation (Let's Encrypt allows 5 an hour per name). Uses the JDK's DNS client
 * against {@code --dns-server} or this host's resolvers, with a 2-second timeout. Any thread.
 */
public final class DnsCheck
{
    /** What the check found: whether the domain points at the fleet, and what it saw (for the domain's status). */
    public record Result(boolean points, String detail)
    {
    }

    private final List<InetAddress> addresses;
    private final String cnameTarget;
    private final String server;

    public DnsCheck(final AcmeOptions options)
    {
        this.addresses = options.publicAddresses();
        this.cnameTarget = options.cnameTarget() == null ? null : options.cnameTarget().toLowerCase(Locale.ROOT);
        this.server = options.dnsServer();
    }

    /** @return false when neither public addresses nor a CNAME target are configured: every domain is taken to point. */
    public boolean enabled()
    {
        return !addresses.isEmpty() || cnameTarget != null;
    }

    /** @return the records a customer must set, in words: what {@code domains add} answers. */
    public List<String> instructions(final String domain)
    {
        final List<String> out = new ArrayList<>();
        for (final InetAddress address : addresses)
        {
            out.add(domain + ". " + (address.getAddress().length == 4 ? "A" : "AAAA") + " " + address.getHostAddress());
        }
        if (cnameTarget != null)
        {
            out.add(domain + ". CNAME " + cnameTarget + ".");
        }
        return out;
    }

    public Result check(final String domain)
    {
        if (!enabled())
        {
            return new Result(true, "no --public-addresses or --cname-target to check against");
        }
        try
        {
            final List<String> cnames = lookup(domain, "CNAME");
            for (final String cname : cnames)
            {
                if (stripDot(cname).equals(cnameTarget))
                {
                    return new Result(true, "CNAME " + cnameTarget);
                }
            }
            final List<String> found = new ArrayList<>(lookup(domain, "A"));
            found.addAll(lookup(domain, "AAAA"));
            for (final String value : found)
            {
                if (addresses.contains(parse(value)))
                {
                    return new Result(true, "points at " + value);
                }
            }
            return new Result(false, (found.isEmpty() && cnames.isEmpty() ? "no A, AAAA or CNAME record" :
                "resolves to " + (cnames.isEmpty() ? "" : "CNAME " + cnames + " ") + found) + "; set " + String.join(" or ", instructions(domain)));
        }
        catch (final NamingException ex)
        {
            return new Result(false, "DNS lookup failed: " + ex.getClass().getSimpleName() +
                (ex.getExplanation() == null ? "" : " (" + ex.getExplanation() + ")"));
        }
    }

    private List<String> lookup(final String domain, final String type) throws NamingException
    {
        final Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", server == null ? "dns:" : "dns://" + server);
        env.put("com.sun.jndi.dns.timeout.initial", "1000");
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        final DirContext context = new InitialDirContext(env);
        try
        {
            final Attributes attributes = context.getAttributes(domain, new String[] {type});
            final Attribute attribute = attributes.get(type);
            final List<String> out = new ArrayList<>();
            if (attribute != null)
            {
                final NamingEnumeration<?> values = attribute.getAll();
                while (values.hasMore())
                {
                    out.add(values.next().toString().toLowerCase(Locale.ROOT));
                }
            }
            return out;
        }
        catch (final NameNotFoundException ex)
        {
            return List.of();
        }
        finally
        {
            context.close();
        }
    }

    private static InetAddress parse(final String literal)
    {
        try
        {
            return literal.matches("[0-9.]+|[0-9a-f:]+") ? InetAddress.getByName(literal) : null;
        }
        catch (final UnknownHostException ex)
        {
            return null;
        }
    }

    private static String stripDot(final String name)
    {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
