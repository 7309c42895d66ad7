package io.bounce.edge;

import static io.bounce.runtime.launch.RoleLauncher.requireRange;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.net.ssl.SSLContext;

import io.bounce.edge.clicks.ClickOptions;
import io.bounce.edge.rules.PasswordOptions;
import io.bounce.edge.http.HttpsOptions;
import io.bounce.replication.link.LinkRules;
import io.bounce.runtime.launch.ConfigFileOption;
import io.bounce.runtime.launch.ConnectionLimitOptions;
import io.bounce.runtime.launch.LaunchDefaults;
import io.bounce.runtime.limits.AddressBudget;
import io.bounce.runtime.limits.ConnectionLimits;
import io.bounce.runtime.server.Transport;
import io.bounce.runtime.tls.ClientTrust;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every setting of an edge node: name, default and unit in one place. picocli fills it from the
 * command line, the environment and the config file ({@link LaunchDefaults}); {@link #conclude()}
 * validates it once before any thread starts; the same annotations produce {@code --help}.
 */
@Command(
    name = "bounce edge",
    mixinStandardHelpOptions = true,
    version = "bounce edge 0.1.0",
    sortOptions = false,
    description = "Runs an edge node: answers GET /{code} with a redirect from the local replica.",
    footer = LaunchDefaults.HELP_FOOTER)
public final class EdgeConfig
{
    @Mixin
    ConfigFileOption configFile;

    @Mixin
    ConnectionLimitOptions connections;

    @Mixin
    ClickOptions clicks;

    @Mixin
    HttpsOptions https;

    @Mixin
    PasswordOptions passwords;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data/edge",
        description = "Directory that holds the replica (links.cm3) and the edge's lock file. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--host", defaultValue = "0.0.0.0",
        description = "Address the public (redirect) port binds to. Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "8080",
        description = "Public port answering redirects; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1",
        description = "Address the admin port (/healthz, /readyz, /metrics) binds to. Default: ${DEFAULT-VALUE}")
    String adminHost;

    @Option(names = "--admin-port", defaultValue = "9080",
        description = "Admin port; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    int adminPort;

    @Option(names = "--default-domain", defaultValue = "localhost",
        description = "Domain of links imported without one, and of requests whose Host is no known domain. Default: ${DEFAULT-VALUE}")
    String defaultDomain;

    @Option(names = "--import", paramLabel = "FILE",
        description = "Load a TSV of code<TAB>url[<TAB>status[<TAB>domain]] into the replica before serving.")
    Path importFile;

    @Option(names = "--exit-after-import",
        description = "With --import: load the file, close the replica and exit instead of serving.")
    boolean exitAfterImport;

    @Option(names = "--expected-links", defaultValue = "1000000",
        description = "Links the replica is sized for when it is created; it grows up to 5x beyond. Default: ${DEFAULT-VALUE}")
    long expectedLinks;

    @Option(names = "--average-url-bytes", defaultValue = "100",
        description = "Average destination length the replica is sized for, in bytes. Default: ${DEFAULT-VALUE}")
    int averageUrlBytes;

    @Option(names = "--transport", defaultValue = "auto",
        description = "Socket transport: auto (epoll on Linux, else nio), epoll, io_uring, nio. Default: ${DEFAULT-VALUE}")
    String transport;

    @Option(names = "--io-threads", defaultValue = "0",
        description = "Event loops on the public port; 0 means one per core. Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--idle-timeout-ms", defaultValue = "30000",
        description = "Close a connection that sends nothing for this long, in ms. Default: ${DEFAULT-VALUE}")
    long idleTimeoutMs;

    @Option(names = "--header-timeout-ms", defaultValue = "10000",
        description = "Close a connection that takes longer than this to send a request's headers, in ms. Default: ${DEFAULT-VALUE}")
    long headerTimeoutMs;

    @Option(names = "--max-request-line-bytes", defaultValue = "4096",
        description = "Longest request line; longer gets 414 and the connection closed. Default: ${DEFAULT-VALUE}")
    int maxRequestLineBytes;

    @Option(names = "--max-header-bytes", defaultValue = "8192",
        description = "Largest header section; larger gets 431 and the connection closed. Default: ${DEFAULT-VALUE}")
    int maxHeaderBytes;

    @Option(names = "--not-found-per-address-per-second", defaultValue = "20",
        description = "Unknown short links one client address (an IPv6 /64) may ask for a second, on average; past its budget " +
            "it gets 429 instead of 404, so nobody can enumerate codes, while links that exist keep redirecting for everyone. " +
            "0 for no budget. Default: ${DEFAULT-VALUE}")
    double notFoundPerAddressPerSecond;

    @Option(names = "--not-found-burst-per-address", defaultValue = "200",
        description = "Unknown short links one address may ask for in a burst before its per-second budget applies. Default: ${DEFAULT-VALUE}")
    int notFoundBurstPerAddress;

    @Option(names = "--permanent-max-age-s", defaultValue = "3600",
        description = "Cache-Control max-age of 301/308 answers, in seconds. Default: ${DEFAULT-VALUE}")
    long permanentMaxAgeSeconds;

    @Option(names = "--drain-timeout-ms", defaultValue = "10000",
        description = "On SIGTERM, how long in-flight requests get to finish before connections are cut, in ms. Default: ${DEFAULT-VALUE}")
    long drainTimeoutMs;

    @Option(names = "--control-plane", paramLabel = "URL[,URL…]",
        description = "Control plane whose change log this edge follows (snapshot, then tail), e.g. http://127.0.0.1:7070; or " +
            "several of one store, comma-separated, tried in turn when the one followed fails. Without it the edge serves only " +
            "what was imported. A first bootstrap replaces imported links.")
    String controlPlane;

    @Option(names = "--control-plane-ca", paramLabel = "FILE",
        description = "PEM certificate(s) to trust for an https:// --control-plane (and --aggregator), instead of the system's " +
            "authorities: the CA that signed the control plane's --tls-cert.")
    Path controlPlaneCa;

    @Option(names = "--replication-token", paramLabel = "TOKEN",
        description = "Secret to present to the control plane's log server (see its --replication-token).")
    String replicationToken;

    @Option(names = "--replication-token-file", paramLabel = "FILE",
        description = "File holding the replication token (the control plane writes <data-dir>/replication.token).")
    Path replicationTokenFile;

    @Option(names = "--replication-timeout-ms", defaultValue = "5000",
        description = "Drop and reopen a log stream silent (no answer, no record, no heartbeat) for this long, in ms. Default: ${DEFAULT-VALUE}")
    long replicationTimeoutMs;

    @Option(names = "--replication-backoff-max-ms", defaultValue = "10000",
        description = "Longest wait between reconnection attempts (exponential from 100 ms, with jitter), in ms. Default: ${DEFAULT-VALUE}")
    long replicationBackoffMaxMs;

    @Option(names = "--ready-max-lag-records", defaultValue = "1000",
        description = "/readyz answers 200 once caught up and while at most this many changes behind. Default: ${DEFAULT-VALUE}")
    long readyMaxLagRecords;

    @Option(names = "--ready-max-lag-ms", defaultValue = "10000",
        description = "... and while at most this far behind in commit time, in ms. Serving never depends on readiness. Default: ${DEFAULT-VALUE}")
    long readyMaxLagMs;

    @Option(names = "--edge-id", paramLabel = "ID",
        description = "This edge's name in click files and metrics ([A-Za-z0-9_.-], up to 64). Default: edge-<host name>.")
    String edgeId;

    @Option(names = "--trusted-proxies", split = ",", paramLabel = "CIDR",
        description = "Peers whose X-Forwarded-For names the client (load balancers), as CIDR blocks. Default: none.")
    List<String> trustedProxies;

    @Option(names = "--proxy-protocol", defaultValue = "false", arity = "0..1", paramLabel = "true|false",
        description = "Every connection starts with a PROXY protocol v1/v2 header from the L4 load balancer; its source " +
            "address is the client (for click visitors). Connections without one are closed. Default: ${DEFAULT-VALUE}")
    boolean proxyProtocol;

    @Option(names = "--country-header", paramLabel = "NAME",
        description = "Header the load balancer puts the client's two-letter country in (e.g. CF-IPCountry): used where " +
            "--geoip-db has no country for the client. Default: none.")
    String countryHeader;

    @Option(names = "--geoip-db", paramLabel = "FILE",
        description = "MMDB database of countries by address (bounce geoip update fetches a CC0 one; MaxMind's GeoLite2 " +
            "Country works too): the clients' countries in click analytics. Reopened when the file changes. Default: none.")
    Path geoipDb;

    private Transport resolvedTransport;
    private List<URI> resolvedControlPlanes = List.of();
    private String resolvedToken;
    private SSLContext controlPlaneTrust;

    /**
     * Validate every setting and resolve derived ones.
     *
     * @throws IllegalArgumentException naming the first setting that is out of range.
     */
    public EdgeConfig conclude()
    {
        connections.conclude();
        if (!(notFoundPerAddressPerSecond >= 0 && notFoundPerAddressPerSecond <= 1_000_000))
        {
            throw new IllegalArgumentException("--not-found-per-address-per-second must be from 0 to 1000000");
        }
        requireRange("--not-found-burst-per-address", notFoundBurstPerAddress, 1, 10_000_000);
        requireRange("--port", port, 0, 65535);
        requireRange("--admin-port", adminPort, 0, 65535);
        https.conclude();
        passwords.conclude();
        if (port != 0 && port == adminPort && host.equals(adminHost))
        {
            throw new IllegalArgumentException("--port and --admin-port must differ");
        }
        final String domainProblem = LinkRules.checkDomain(defaultDomain);
        if (domainProblem != null)
        {
            throw new IllegalArgumentException("--default-domain: " + domainProblem);
        }
        requireRange("--expected-links", expectedLinks, 1, 2_000_000_000L);
        requireRange("--average-url-bytes", averageUrlBytes, 8, LinkRules.MAX_URL_LENGTH);
        requireRange("--io-threads", ioThreads, 0, 1024);
        requireRange("--idle-timeout-ms", idleTimeoutMs, 1, 86_400_000L);
        requireRange("--header-timeout-ms", headerTimeoutMs, 1, 86_400_000L);
        requireRange("--max-request-line-bytes", maxRequestLineBytes, 64, 65536);
        requireRange("--max-header-bytes", maxHeaderBytes, 256, 65536);
        requireRange("--permanent-max-age-s", permanentMaxAgeSeconds, 0, 31_536_000L);
        requireRange("--drain-timeout-ms", drainTimeoutMs, 0, 600_000L);
        if (exitAfterImport && importFile == null)
        {
            throw new IllegalArgumentException("--exit-after-import needs --import FILE");
        }
        resolvedTransport = Transport.parse(transport);
        requireRange("--replication-timeout-ms", replicationTimeoutMs, 50, 600_000L);
        requireRange("--replication-backoff-max-ms", replicationBackoffMaxMs, 100, 3_600_000L);
        requireRange("--ready-max-lag-records", readyMaxLagRecords, 0, Long.MAX_VALUE / 2);
        requireRange("--ready-max-lag-ms", readyMaxLagMs, 0, Long.MAX_VALUE / 2);
        if (controlPlane != null)
        {
            final List<URI> urls = new java.util.ArrayList<>();
            for (final String one : controlPlane.split(",", -1))
            {
                final String url = one.trim();
                final URI uri;
                try
                {
                    uri = new URI(url.endsWith("/") ? url : url + "/");
                }
                catch (final URISyntaxException ex)
                {
                    throw new IllegalArgumentException("--control-plane: not a URL: " + url);
                }
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null)
                {
                    throw new IllegalArgumentException("--control-plane must be http:// or https:// URLs with a host, not '" + url + "'");
                }
                urls.add(uri);
            }
            resolvedControlPlanes = List.copyOf(urls);
            resolvedToken = replicationToken;
            if (resolvedToken == null && replicationTokenFile != null)
            {
                try
                {
                    resolvedToken = Files.readString(replicationTokenFile, StandardCharsets.UTF_8).trim();
                }
                catch (final IOException ex)
                {
                    throw new IllegalArgumentException("--replication-token-file: cannot read " + replicationTokenFile + ": " + ex.getMessage());
                }
            }
            if (resolvedToken == null || resolvedToken.isEmpty())
            {
                throw new IllegalArgumentException("--control-plane needs --replication-token or --replication-token-file");
            }
        }
        if (controlPlaneCa != null)
        {
            try
            {
                controlPlaneTrust = ClientTrust.trusting(controlPlaneCa);
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("--control-plane-ca: " + ex.getMessage());
            }
        }
        if (edgeId == null)
        {
            String host;
            try
            {
                host = java.net.InetAddress.getLocalHost().getHostName();
            }
            catch (final IOException ex)
            {
                host = "local";
            }
            edgeId = ("edge-" + host).replaceAll("[^A-Za-z0-9_.-]", "-");
            edgeId = edgeId.substring(0, Math.min(64, edgeId.length()));
        }
        if (!io.bounce.replication.clicks.ClickFileFormat.EDGE_ID.matcher(edgeId).matches())
        {
            throw new IllegalArgumentException("--edge-id must be 1-64 of A-Z a-z 0-9 _ . -");
        }
        // Clicks go to the first control plane's aggregator unless --aggregator names one (with several control planes, do).
        clicks.conclude(resolvedControlPlanes.isEmpty() ? null : resolvedControlPlanes.get(0).toString(), resolvedToken);
        return this;
    }

    public Path dataDir()
    {
        return dataDir;
    }

    public String host()
    {
        return host;
    }

    public int port()
    {
        return port;
    }

    /** The HTTPS port: its certificates, HTTP/2, session tickets. */
    public HttpsOptions https()
    {
        return https;
    }

    public String adminHost()
    {
        return adminHost;
    }

    public int adminPort()
    {
        return adminPort;
    }

    public String defaultDomain()
    {
        return defaultDomain;
    }

    public Path importFile()
    {
        return importFile;
    }

    public boolean exitAfterImport()
    {
        return exitAfterImport;
    }

    public long expectedLinks()
    {
        return expectedLinks;
    }

    public int averageUrlBytes()
    {
        return averageUrlBytes;
    }

    public Transport transport()
    {
        return resolvedTransport;
    }

    public int ioThreads()
    {
        return ioThreads == 0 ? Runtime.getRuntime().availableProcessors() : ioThreads;
    }

    public long idleTimeoutMs()
    {
        return idleTimeoutMs;
    }

    public long headerTimeoutMs()
    {
        return headerTimeoutMs;
    }

    public int maxRequestLineBytes()
    {
        return maxRequestLineBytes;
    }

    public int maxHeaderBytes()
    {
        return maxHeaderBytes;
    }

    public long permanentMaxAgeSeconds()
    {
        return permanentMaxAgeSeconds;
    }

    public long drainTimeoutMs()
    {
        return drainTimeoutMs;
    }

    /** @return the first control plane to follow, or null for a static edge. */
    public URI controlPlane()
    {
        return resolvedControlPlanes.isEmpty() ? null : resolvedControlPlanes.get(0);
    }

    /** @return the control planes to follow, in the order tried; empty for a static edge. */
    public List<URI> controlPlanes()
    {
        return resolvedControlPlanes;
    }

    /** @return the TLS context that trusts --control-plane-ca, or null for the JDK's default authorities. */
    public SSLContext controlPlaneTrust()
    {
        return controlPlaneTrust;
    }

    public String replicationToken()
    {
        return resolvedToken;
    }

    public long replicationTimeoutMs()
    {
        return replicationTimeoutMs;
    }

    public long replicationBackoffMaxMs()
    {
        return replicationBackoffMaxMs;
    }

    public long readyMaxLagRecords()
    {
        return readyMaxLagRecords;
    }

    public long readyMaxLagMs()
    {
        return readyMaxLagMs;
    }

    public String edgeId()
    {
        return edgeId;
    }

    /** The click recorder's settings. */
    public PasswordOptions passwords()
    {
        return passwords;
    }

    public ClickOptions clicks()
    {
        return clicks;
    }

    public List<String> trustedProxies()
    {
        return trustedProxies == null ? List.of() : trustedProxies;
    }

    /** @return the GeoIP database to read countries from, or null. */
    public Path geoipDb()
    {
        return geoipDb;
    }

    public String countryHeader()
    {
        return countryHeader;
    }

    public boolean proxyProtocol()
    {
        return proxyProtocol;
    }

    /** The public port's connection limits (500,000 open unless set). */
    public ConnectionLimits connectionLimits()
    {
        return connections.limits("edge", 500_000);
    }

    /** Each client address's budget of unknown short links. */
    public AddressBudget notFoundBudget()
    {
        return new AddressBudget(notFoundPerAddressPerSecond, notFoundBurstPerAddress);
    }
}
