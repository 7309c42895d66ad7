package io.bounce.edge.replica;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the edge's {@code --default-domain} is a domain its links belong to. A request whose Host is no
 * known domain is looked up on the default domain; if no link belongs to it, every such request gets
 * 404 and nothing says why. So: a warning at start and after every snapshot while it is so, and a gauge
 * ({@code bounce_edge_default_domain_unknown}) an alert watches. An empty replica is not judged.
 */
public final class DefaultDomainCheck
{
    private static final Logger LOG = LoggerFactory.getLogger(DefaultDomainCheck.class);

    private final LinkReplica replica;
    private final String defaultDomain;
    private final byte[] bytes;

    public DefaultDomainCheck(final LinkReplica replica, final String defaultDomain)
    {
        this.replica = replica;
        this.defaultDomain = defaultDomain;
        this.bytes = defaultDomain.getBytes(StandardCharsets.US_ASCII);
    }

    /** @return true when the replica has links but none on the default domain. */
    public boolean unknown()
    {
        return replica.domainCount() > 0 && !replica.isKnownDomain(bytes, 0, bytes.length);
    }

    /** Log a warning if the default domain is unknown; {@code when} says at what point ("at start", "after a snapshot"). */
    public void warnIfUnknown(final String when)
    {
        if (unknown())
        {
            LOG.warn("--default-domain {} is not a domain any link belongs to ({}: {}): requests whose Host is none of " +
                "those get 404; set --default-domain to the control plane's default domain", defaultDomain, when, replica.domains());
        }
    }
}
