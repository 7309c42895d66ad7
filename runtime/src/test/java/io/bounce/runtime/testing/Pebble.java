package io.bounce.runtime.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.tls.DevelopmentCa;

/**
 * A real ACME server for tests and benchmarks: Debian's {@code pebble} with {@code pebble-challtestsrv} as its DNS,
 * both started here on free loopback ports and stopped by {@link #close}. Pebble's own HTTPS certificate comes from
 * a development CA made in the directory given ({@link #caFile()}: what a client must trust). Every name resolves to
 * 127.0.0.1 unless {@link #setA} says otherwise, and Pebble validates HTTP-01 on {@code httpPort} and TLS-ALPN-01 on
 * {@code tlsPort} of that address: the edges' ports.
 */
public final class Pebble implements AutoCloseable
{
    private final Process pebble;
    private final Process dns;
    private final int acmePort;
    private final int managementPort;
    private final int dnsPort;
    private final int dnsManagementPort;
    private final Path caFile;
    private final HttpClient management;

    private Pebble(final Process pebble, final Process dns, final int[] ports, final Path caFile) throws IOException
    {
        this.pebble = pebble;
        this.dns = dns;
        this.acmePort = ports[0];
        this.managementPort = ports[1];
        this.dnsPort = ports[2];
        this.dnsManagementPort = ports[3];
        this.caFile = caFile;
        this.management = HttpClient.newBuilder().sslContext(ClientTrust.trusting(caFile)).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * @param validitySeconds how long the certificates it issues last; 0 for Pebble's default (5 years).
     */
    public static Pebble start(final Path dir, final int httpPort, final int tlsPort, final long validitySeconds) throws Exception
    {
        return start(dir, httpPort, tlsPort, validitySeconds, null, null);
    }

    /**
     * @param eabKeyId   with {@code eabHmacKey}: accounts must be bound to this external account (RFC 8555 7.3.4); null: none.
     * @param eabHmacKey the external account's HMAC key, base64url.
     */
    public static Pebble start(final Path dir, final int httpPort, final int tlsPort, final long validitySeconds, final String eabKeyId,
        final String eabHmacKey) throws Exception
    {
        Tools.ensure("pebble", "pebble");
        Files.createDirectories(dir);
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        DevelopmentCa.write(dir.resolve("ca"), "pebble", ca.issue(List.of("localhost", "127.0.0.1"), "EC", Duration.ofDays(2)));
        final int[] ports = io.bounce.runtime.server.FreePorts.pick(4);
        final Path config = dir.resolve("pebble.json");
        Files.writeString(config, "{\"pebble\":{\"listenAddress\":\"127.0.0.1:" + ports[0] + "\",\"managementListenAddress\":\"127.0.0.1:" +
            ports[1] + "\",\"certificate\":\"" + dir.resolve("ca/pebble.pem") + "\",\"privateKey\":\"" + dir.resolve("ca/pebble.key") +
            "\",\"httpPort\":" + httpPort + ",\"tlsPort\":" + tlsPort + ",\"ocspResponderURL\":\"\"," +
            (eabKeyId == null ? "\"externalAccountBindingRequired\":false"
                : "\"externalAccountBindingRequired\":true,\"externalAccountMACKeys\":{\"" + eabKeyId + "\":\"" + eabHmacKey + "\"}") +
            (validitySeconds > 0 ? ",\"certificateValidityPeriod\":" + validitySeconds : "") +
            "}}");
        final Process dns = new ProcessBuilder("pebble-challtestsrv", "-dns01", "127.0.0.1:" + ports[2], "-management",
            "127.0.0.1:" + ports[3], "-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "")
            .redirectErrorStream(true).redirectOutput(dir.resolve("challtestsrv.log").toFile()).start();
        final ProcessBuilder builder = new ProcessBuilder("pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + ports[2])
            .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
        builder.environment().put("PEBBLE_VA_NOSLEEP", "1"); // validate at once, not after a random 0-15 s
        builder.environment().put("PEBBLE_AUTHZREUSE", "0"); // every order proves its name again: every order has a challenge
        final Process pebble = builder.start();
        final Pebble started = new Pebble(pebble, dns, ports, ca.caFile());
        try
        {
            started.awaitListening(ports[0]);
            started.awaitListening(ports[1]);
            started.awaitListening(ports[3]);
            return started;
        }
        catch (final Exception ex)
        {
            started.close();
            throw ex;
        }
    }

    /** @return the ACME directory URL. */
    public String directory()
    {
        return "https://localhost:" + acmePort + "/dir";
    }

    /** @return the CA file that Pebble's own HTTPS certificate chains to: {@code --acme-ca-file}. */
    public Path caFile()
    {
        return caFile;
    }

    /** @return {@code 127.0.0.1:PORT} of the DNS server where every name resolves as {@link #setA} says. */
    public String dnsServer()
    {
        return "127.0.0.1:" + dnsPort;
    }

    /** @return the root Pebble issues under (made afresh at each start; from its management interface). */
    public X509Certificate root() throws Exception
    {
        final HttpResponse<InputStream> response = management.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + managementPort + "/roots/0")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body())
        {
            return (X509Certificate)CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Make {@code host} resolve to {@code address} (IPv4) from now on. */
    public void setA(final String host, final String address) throws Exception
    {
        final HttpResponse<String> response = management.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + dnsManagementPort + "/add-a"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"host\":\"" + host + ".\",\"addresses\":[\"" + address + "\"]}")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200)
        {
            throw new IOException("challtestsrv add-a answered " + response.statusCode() + ": " + response.body());
        }
    }

    private void awaitListening(final int port) throws Exception
    {
        final long deadline = System.currentTimeMillis() + 20_000;
        while (true)
        {
            if (!pebble.isAlive() || !dns.isAlive())
            {
                throw new IOException("pebble or pebble-challtestsrv exited; see their logs");
            }
            try (Socket ignored = new Socket("127.0.0.1", port))
            {
                return;
            }
            catch (final IOException ex)
            {
                if (System.currentTimeMillis() > deadline)
                {
                    throw new IOException("nothing listens on " + port + " after 20 s", ex);
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        pebble.destroy();
        dns.destroy();
        if (!pebble.waitFor(5, TimeUnit.SECONDS))
        {
            pebble.destroyForcibly();
        }
        if (!dns.waitFor(5, TimeUnit.SECONDS))
        {
            dns.destroyForcibly();
        }
    }
}
