package io.bounce.control.links;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/**
 * Where links may point and which aliases nobody may take (mixed into the control plane's configuration):
 * the blocklist, the edges' own addresses (a destination there would loop), private addresses, and the
 * reserved aliases.
 */
public final class DestinationOptions
{
    @Option(names = "--blocklist", paramLabel = "FILE",
        description = "File of blocked destination domains, one a line (subdomains included); reread when it changes.")
    Path blocklist;

    @Option(names = "--own-addresses", split = ",", paramLabel = "CIDR",
        description = "The edges' public and anycast addresses (IPs or CIDR blocks, comma-separated): destinations there " +
            "would loop and are refused, like loopback and this host's own addresses.")
    List<String> ownAddresses = new ArrayList<>();

    @Option(names = "--allow-private-destinations", defaultValue = "false",
        description = "Let links point at private, link-local and reserved addresses and at local-only names " +
            "(intranet, *.local, *.internal), for a shortener used inside one network. Default: ${DEFAULT-VALUE}")
    boolean allowPrivateDestinations;

    @Option(names = "--reserved-aliases", split = ",",
        defaultValue = "api,admin,health,healthz,ready,readyz,metrics,static,assets,login,logout,www,app,docs,status",
        description = "Aliases nobody may take (compared ignoring case). Default: ${DEFAULT-VALUE}")
    List<String> reservedAliases;

    private List<AddressRange> resolvedOwnAddresses = List.of();

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        final List<AddressRange> own = new ArrayList<>();
        for (final String cidr : ownAddresses)
        {
            try
            {
                own.add(AddressRange.parse(cidr));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("--own-addresses: " + ex.getMessage());
            }
        }
        resolvedOwnAddresses = List.copyOf(own);
    }

    public List<AddressRange> ownAddresses()
    {
        return resolvedOwnAddresses;
    }

    public boolean allowPrivateDestinations()
    {
        return allowPrivateDestinations;
    }

    /** @return the blocklist file, or null. */
    public Path blocklist()
    {
        return blocklist;
    }

    public List<String> reservedAliases()
    {
        return reservedAliases;
    }
}
