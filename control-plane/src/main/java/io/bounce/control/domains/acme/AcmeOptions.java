package io.bounce.control.domains.acme;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.bounce.replication.link.LinkRules;
import io.bounce.runtime.files.SecretFiles;
import picocli.CommandLine.Option;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

/**
 * How the control plane gets certificates by ACME for domains added with {@code --https auto} (mixed into its
 * configuration): the CA, the account, the challenge the edges answer, the pace, and what DNS records a
 * customer must set before an order is placed.
 */
public final class AcmeOptions
{
    public static final String LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
    public static final String LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

    @Option(names = "--acme-directory", paramLabel = "URL", description = "The ACME CA's directory. Default: Let's Encrypt " +
        "production (" + LETS_ENCRYPT + "); its staging CA, for trials, is " + LETS_ENCRYPT_STAGING + ". With --development-ca " +
        "and no --acme-directory, --https auto domains get the development CA's certificates instead.")
    URI directory;

    @Option(names = "--acme-email", paramLabel = "EMAIL", description = "Contact for the ACME account (expiry warnings from the CA).")
    String email;

    @Option(names = "--acme-ca-file", paramLabel = "FILE",
        description = "PEM certificates to trust for the ACME server's HTTPS instead of the JDK's authorities (a private or test CA such as Pebble).")
    Path caFile;

    @Option(names = "--acme-eab-kid", paramLabel = "KID",
        description = "External account binding key id, for CAs that require one (ZeroSSL, Google Trust Services).")
    String eabKeyId;

    @Option(names = "--acme-eab-hmac-key-file", paramLabel = "FILE",
        description = "File holding the external account binding's HMAC key (base64url, as the CA hands it out; mode 0600); " +
            "with --acme-eab-kid.")
    Path eabHmacKeyFile;

    @Option(names = "--acme-challenge", defaultValue = "http-01", paramLabel = "TYPE",
        description = "The challenge the edges answer: http-01 (port 80) or tls-alpn-01 (the HTTPS port, for fleets with port 80 " +
            "closed). The other is used when the CA does not offer this one. Default: ${DEFAULT-VALUE}")
    String challenge;

    @Option(names = "--acme-orders-per-hour", defaultValue = "100",
        description = "Ceiling on new ACME orders an hour, renewals included (Let's Encrypt allows 300 per 3 hours an account). " +
            "Renewals closest to expiry go first, new domains after. Default: ${DEFAULT-VALUE}")
    int ordersPerHour;

    @Option(names = "--acme-concurrency", defaultValue = "4", description = "ACME orders in progress at once. Default: ${DEFAULT-VALUE}")
    int concurrency;

    @Option(names = "--acme-challenge-wait-ms", defaultValue = "2000",
        description = "How long a challenge is given to reach every edge through the change log before the CA is asked to " +
            "validate it, in ms. Default: ${DEFAULT-VALUE}")
    long challengeWaitMs;

    @Option(names = "--acme-retry-min-ms", defaultValue = "60000",
        description = "First wait after a failed order or a DNS check that does not point at the fleet, in ms; it doubles " +
            "with each failure in a row, up to --acme-retry-max-ms. A CA's Retry-After is honoured when longer. Default: ${DEFAULT-VALUE}")
    long retryMinMs;

    @Option(names = "--acme-retry-max-ms", defaultValue = "21600000",
        description = "Longest wait between attempts, in ms. Default: ${DEFAULT-VALUE} (6 hours)")
    long retryMaxMs;

    @Option(names = "--public-addresses", split = ",", paramLabel = "IP",
        description = "The fleet's public (anycast) addresses, comma-separated: what a branded domain's A/AAAA records must " +
            "point at. Shown when a domain is added; an ACME order waits until the domain resolves to one of them.")
    List<String> publicAddresses = new ArrayList<>();

    @Option(names = "--cname-target", paramLabel = "NAME",
        description = "The name a branded domain may CNAME to instead (for example edge.bounce.example).")
    String cnameTarget;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT",
        description = "DNS server for the check that a domain points at the fleet; default: this host's resolver.")
    String dnsServer;

    private List<InetAddress> addresses = List.of();

    /** Validate; throws {@link IllegalArgumentException} naming the first bad option. */
    public void conclude()
    {
        if (directory != null && !"https".equals(directory.getScheme()))
        {
            throw new IllegalArgumentException("--acme-directory must be an https:// URL");
        }
        if (caFile != null && !Files.isReadable(caFile))
        {
            throw new IllegalArgumentException("--acme-ca-file: cannot read " + caFile);
        }
        if ((eabKeyId == null) != (eabHmacKeyFile == null))
        {
            throw new IllegalArgumentException("--acme-eab-kid and --acme-eab-hmac-key-file go together");
        }
        if (eabHmacKeyFile != null)
        {
            try
            {
                SecretFiles.readOwnerOnly(eabHmacKeyFile); // it binds accounts to the operator's CA account
            }
            catch (final java.io.IOException ex)
            {
                throw new IllegalArgumentException("--acme-eab-hmac-key-file: " + ex.getMessage());
            }
        }
        if (!challenge.equals("http-01") && !challenge.equals("tls-alpn-01"))
        {
            throw new IllegalArgumentException("--acme-challenge must be http-01 or tls-alpn-01");
        }
        requireRange("--acme-orders-per-hour", ordersPerHour, 1, 100_000);
        requireRange("--acme-concurrency", concurrency, 1, 64);
        requireRange("--acme-challenge-wait-ms", challengeWaitMs, 0, 600_000);
        requireRange("--acme-retry-min-ms", retryMinMs, 100, 86_400_000);
        requireRange("--acme-retry-max-ms", retryMaxMs, retryMinMs, 7 * 86_400_000L);
        final List<InetAddress> parsed = new ArrayList<>();
        for (final String address : publicAddresses)
        {
            if (!address.matches("[0-9.]+|[0-9a-fA-F:]+"))
            {
                throw new IllegalArgumentException("--public-addresses: " + address + " is not an IP address");
            }
            try
            {
                parsed.add(InetAddress.getByName(address));
            }
            catch (final UnknownHostException ex)
            {
                throw new IllegalArgumentException("--public-addresses: " + address + " is not an IP address");
            }
        }
        addresses = List.copyOf(parsed);
        if (cnameTarget != null && LinkRules.checkDomain(cnameTarget) != null)
        {
            throw new IllegalArgumentException("--cname-target: " + LinkRules.checkDomain(cnameTarget));
        }
        if (dnsServer != null && !dnsServer.matches("[0-9a-zA-Z.\\-\\[\\]:]+:[0-9]{1,5}"))
        {
            throw new IllegalArgumentException("--dns-server must be HOST:PORT");
        }
    }

    /** @return true if {@code --acme-directory} was given (without it, {@code bounce up}'s development CA stays the issuer). */
    public boolean directoryGiven()
    {
        return directory != null;
    }

    public URI directory()
    {
        return directory != null ? directory : URI.create(LETS_ENCRYPT);
    }

    /** @return the account's contact, or null. */
    public String email()
    {
        return email;
    }

    /** @return the extra CA file to trust, or null. */
    public Path caFile()
    {
        return caFile;
    }

    /** @return the EAB key id, or null. */
    public String eabKeyId()
    {
        return eabKeyId;
    }

    /** @return the EAB HMAC key file, or null. */
    public Path eabHmacKeyFile()
    {
        return eabHmacKeyFile;
    }

    /** @return {@code http-01} or {@code tls-alpn-01}. */
    public String challenge()
    {
        return challenge;
    }

    public int ordersPerHour()
    {
        return ordersPerHour;
    }

    public int concurrency()
    {
        return concurrency;
    }

    public long challengeWaitMs()
    {
        return challengeWaitMs;
    }

    public long retryMinMs()
    {
        return retryMinMs;
    }

    public long retryMaxMs()
    {
        return retryMaxMs;
    }

    public List<InetAddress> publicAddresses()
    {
        return addresses;
    }

    /** @return the CNAME target, or null. */
    public String cnameTarget()
    {
        return cnameTarget;
    }

    /** @return the DNS server for the pointing check, or null for the system's resolver. */
    public String dnsServer()
    {
        return dnsServer;
    }
}
