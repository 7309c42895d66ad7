package io.bounce.system;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.ops.stack.LocalStack;
import io.bounce.runtime.tls.ClientTrust;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bounce up} as a user runs it: a real process tree, stopped with SIGTERM. */
class LocalStackTest
{
    @TempDir
    Path dir;

    @Test
    void upRunsAControlPlaneAndTwoEdgesPrintsWhereTheyAreAndStopsThemAllOnSigterm() throws Exception
    {
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Process up = up(lines, "--data-dir", dir.toString(), "--edges", "2",
            "--api-port", "0", "--admin-port", "0", "--edge-port", "0", "--edge-admin-port", "0", "--edge-https-port", "0");
        try
        {
            final List<String> edges = new ArrayList<>();
            final List<String> httpsEdges = new ArrayList<>();
            String ca = null;
            String api = null;
            String key = null;
            final StringBuilder seen = new StringBuilder();
            while (api == null || key == null || edges.size() < 2 || httpsEdges.size() < 2 || ca == null)
            {
                final String line = lines.poll(120, TimeUnit.SECONDS);
                assertNotNull(line, "bounce up printed no edge:/api:/admin key: lines; output:\n" + seen);
                seen.append(line).append('\n');
                if (line.startsWith("edge: "))
                {
                    edges.add(line.substring(6).trim());
                }
                else if (line.startsWith("edge-https: "))
                {
                    httpsEdges.add(line.substring(12).trim());
                }
                else if (line.startsWith("ca: "))
                {
                    ca = line.substring(4).trim();
                }
                else if (line.startsWith("api: "))
                {
                    api = line.substring(5).trim();
                }
                else if (line.startsWith("admin key: "))
                {
                    key = line.substring(11).trim();
                }
            }
            assertEquals(key, Files.readString(dir.resolve("admin.key")).trim());
            // The dashboard, and the first admin account's sign-in: its password in a file only this user reads, never printed.
            assertTrue(seen.toString().contains("dashboard: " + api + "/\n"), seen.toString());
            final Path passwordFile = dir.resolve("admin.password");
            assertTrue(seen.toString().contains("admin sign-in: admin@localhost (password in " + passwordFile + ")\n"), seen.toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
            final String adminPassword = Files.readString(passwordFile).trim();
            assertFalse(seen.toString().contains(adminPassword), "the password is in its file, not on the terminal");
            final DashboardClient dashboard = new DashboardClient(api);
            assertEquals(303, dashboard.signIn("admin@localhost", adminPassword).statusCode());
            assertEquals(200, dashboard.get("/links").statusCode());
            final Path controlLog = dir.resolve("logs").resolve("control-plane.log");
            assertFalse(Files.readString(controlLog).contains(key), "the key is printed to the terminal, never into a log");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(controlLog)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("admin.key"))));
            assertTrue(up.descendants().count() >= 3, "a control plane and two edges run as children");
            assertEquals(dir.resolve("ca").resolve("ca.pem").toString(), ca);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca").resolve("ca.key"))));

            final var created = Stack.call("POST", api + "/api/v1/links", key, "{\"url\":\"https://example.com/up\"}");
            assertEquals(201, created.statusCode(), created.body());
            final JsonNode link = Stack.JSON.readTree(created.body());
            final String code = link.get("code").asText();
            final String firstEdgePort = edges.get(0).substring(edges.get(0).lastIndexOf(':'));
            assertEquals("http://localhost" + firstEdgePort + "/" + code, link.get("shortUrl").asText(), "short URLs point at the edge");
            for (final String edge : edges)
            {
                Stack.await("the new link on " + edge, 20_000, () ->
                {
                    try
                    {
                        return Stack.call("GET", edge + "/" + code, null, null).statusCode() == 302;
                    }
                    catch (final Exception ex)
                    {
                        return false;
                    }
                });
            }

            // HTTPS out of the box: the edges' certificate comes from the stack's CA, which the client trusts.
            final HttpClient https = HttpClient.newBuilder().sslContext(ClientTrust.trusting(Path.of(ca)))
                .followRedirects(HttpClient.Redirect.NEVER).build();
            for (final String edge : httpsEdges)
            {
                assertTrue(edge.startsWith("https://localhost:"), edge);
                final HttpResponse<String> redirect = https.send(HttpRequest.newBuilder(URI.create(edge + "/" + code)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(302, redirect.statusCode(), edge);
                assertEquals("https://example.com/up", redirect.headers().firstValue("Location").orElseThrow());
            }
            Stack.ensureTool("curl", "curl");
            final Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca,
                httpsEdges.get(0) + "/" + code).redirectErrorStream(true).start();
            assertEquals("302", new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(), "curl --cacert");

            // A domain added gets a certificate from the stack's CA, which reaches every edge through the change log.
            assertEquals(201, Stack.call("POST", api + "/api/v1/domains", key, "{\"name\":\"go.brand.test\"}").statusCode());
            assertEquals(201, Stack.call("POST", api + "/api/v1/links", key,
                "{\"url\":\"https://example.com/brand\",\"alias\":\"brand\",\"domain\":\"go.brand.test\"}").statusCode());
            final String caFile = ca;
            for (final String edge : httpsEdges)
            {
                final String port = edge.substring(edge.lastIndexOf(':') + 1);
                Stack.await("go.brand.test over HTTPS on " + edge, 20_000, () ->
                {
                    try
                    {
                        final Process branded = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", caFile,
                            "--resolve", "go.brand.test:" + port + ":127.0.0.1", "https://go.brand.test:" + port + "/brand")
                            .redirectErrorStream(true).start();
                        return "302".equals(new String(branded.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
                    }
                    catch (final java.io.IOException ex)
                    {
                        return false;
                    }
                });
            }

            final List<ProcessHandle> children = up.descendants().toList();
            up.destroy(); // SIGTERM
            assertTrue(up.waitFor(60, TimeUnit.SECONDS), "bounce up stopped");
            for (final ProcessHandle child : children)
            {
                assertTrue(child.onExit().get(10, TimeUnit.SECONDS) != null);
                assertFalse(child.isAlive());
            }
            assertFalse(Files.exists(dir.resolve("edge-1").resolve("replica.open")), "edge 1 closed its replica cleanly");
            assertFalse(Files.exists(dir.resolve("edge-2").resolve("replica.open")), "edge 2 closed its replica cleanly");
        }
        finally
        {
            up.descendants().forEach(ProcessHandle::destroyForcibly);
            up.destroyForcibly();
        }
    }

    /** {@code bounce up ARGS} as a child JVM (the test's classpath), its output lines into {@code lines}. */
    private static Process up(final LinkedBlockingQueue<String> lines, final String... args) throws java.io.IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final String jvmArgs = System.getProperty("bounce.jvm.args", "").trim();
        command.addAll(Arrays.asList(jvmArgs.split("\\s+")));
        command.add("-Dbounce.jvm.args=" + jvmArgs + " -Xmx256m");
        command.add("-Xmx128m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LocalStack.class.getName());
        command.addAll(List.of(args));
        final Process up = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    lines.add(line);
                }
            }
            catch (final java.io.IOException ignored)
            {
                // gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        return up;
    }

    /**
     * {@code bounce up --acme-directory URL --acme-ca-file F}: a domain added with {@code https: auto} gets its certificate
     * from that ACME server (Pebble, which validates on the edge's ports), and the edge serves it.
     */
    @Test
    void upGetsAutoDomainsCertificatesFromTheAcmeServerItIsGiven() throws Exception
    {
        final int[] ports = Stack.freePorts(2);
        try (io.bounce.runtime.testing.Pebble pebble = io.bounce.runtime.testing.Pebble.start(dir.resolve("pebble"), ports[0], ports[1], 0))
        {
            final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            final Process up = up(lines, "--data-dir", dir.resolve("stack").toString(), "--edges", "1", "--api-port", "0",
                "--admin-port", "0", "--edge-port", Integer.toString(ports[0]), "--edge-admin-port", "0",
                "--edge-https-port", Integer.toString(ports[1]), "--acme-directory", pebble.directory(),
                "--acme-ca-file", pebble.caFile().toString());
            try
            {
                String api = null;
                final StringBuilder seen = new StringBuilder();
                while (api == null)
                {
                    final String line = lines.poll(120, TimeUnit.SECONDS);
                    assertNotNull(line, "bounce up printed no api: line; output:\n" + seen);
                    seen.append(line).append('\n');
                    api = line.startsWith("api: ") ? line.substring(5).trim() : null;
                }
                final String key = Files.readString(dir.resolve("stack").resolve("admin.key")).trim();
                assertEquals(201, Stack.call("POST", api + "/api/v1/domains", key, "{\"name\":\"go.pebble.test\",\"https\":\"auto\"}")
                    .statusCode());
                assertEquals(201, Stack.call("POST", api + "/api/v1/links", key,
                    "{\"url\":\"https://example.com/acme\",\"alias\":\"acme\",\"domain\":\"go.pebble.test\"}").statusCode());
                final Path root = dir.resolve("pebble-root.pem");
                Files.writeString(root, "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(pebble.root().getEncoded()) + "\n-----END CERTIFICATE-----\n");
                Stack.ensureTool("curl", "curl");
                final String api0 = api;
                Stack.await("go.pebble.test over HTTPS with Pebble's certificate", 60_000, () ->
                {
                    try
                    {
                        final Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                            root.toString(), "--resolve", "go.pebble.test:" + ports[1] + ":127.0.0.1",
                            "https://go.pebble.test:" + ports[1] + "/acme").redirectErrorStream(true).start();
                        return "302".equals(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
                    }
                    catch (final java.io.IOException ex)
                    {
                        return false;
                    }
                });
                final JsonNode domain = Stack.JSON.readTree(Stack.call("GET", api0 + "/api/v1/domains/go.pebble.test", key, null).body());
                assertEquals("active", domain.get("status").asText(), domain.toString());
                assertTrue(domain.get("certificates").get(0).get("issuer").asText().contains("Pebble"), domain.toString());
            }
            finally
            {
                up.descendants().forEach(ProcessHandle::destroyForcibly);
                up.destroyForcibly();
            }
        }
    }
}
