package io.bounce.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agrona.concurrent.CachedEpochClock;
import picocli.CommandLine;

/**
 * Test support: an in-process control plane on ephemeral loopback ports, a real SQLite file (or, with
 * {@code -Dbounce.test.store=postgresql}, a database of its own on a real PostgreSQL: {@link SharedPostgres}), an
 * injected clock.
 */
public final class ControlPlaneHarness implements AutoCloseable
{
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final long START_MS = 1_764_000_000_000L;

    public final CachedEpochClock clock = new CachedEpochClock();
    public final ControlPlaneNode node;
    public final String adminKey;
    public final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ControlPlaneHarness(final Path dataDir, final String... extraArgs) throws Exception
    {
        clock.update(START_MS);
        node = ControlPlaneNode.start(config(dataDir, extraArgs), clock, new PrintStream(output, true, StandardCharsets.UTF_8));
        adminKey = node.adminKey();
    }

    public static ControlPlaneConfig config(final Path dataDir, final String... extraArgs)
    {
        final List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--port", "0", "--admin-port", "0",
            "--default-domain", "bnc.test", "--read-threads", "4"));
        args.addAll(List.of(extraArgs));
        if (SharedPostgres.ON && !args.contains("--store"))
        {
            args.addAll(SharedPostgres.storeArgs(dataDir));
        }
        final ControlPlaneConfig config = new ControlPlaneConfig();
        new CommandLine(config).parseArgs(args.toArray(new String[0]));
        return config.conclude();
    }

    public String base()
    {
        return "http://127.0.0.1:" + node.address().getPort();
    }

    /** An answer: status, headers, body as text and as JSON (null if not JSON). */
    public static final class Answer
    {
        public final int status;
        public final HttpResponse<String> raw;
        public final JsonNode json;

        Answer(final HttpResponse<String> raw)
        {
            this.raw = raw;
            this.status = raw.statusCode();
            JsonNode parsed = null;
            try
            {
                parsed = raw.body().isEmpty() ? null : JSON.readTree(raw.body());
            }
            catch (final IOException ignored)
            {
                // not JSON
            }
            this.json = parsed;
        }

        public String header(final String name)
        {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String rule()
        {
            return json == null || json.get("rule") == null ? null : json.get("rule").asText();
        }

        public String text(final String field)
        {
            return json.get(field).asText();
        }

        @Override
        public String toString()
        {
            return status + " " + raw.body();
        }
    }

    public Answer call(final String method, final String path, final String key, final String body) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null)
        {
            request.header("Authorization", "Bearer " + key);
        }
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        return new Answer(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    public Answer post(final String path, final String key, final String body) throws Exception
    {
        return call("POST", path, key, body);
    }

    public Answer get(final String path, final String key) throws Exception
    {
        return call("GET", path, key, null);
    }

    /** The admin port's Prometheus page. */
    public String metrics() throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }

    /** One sample's value from {@link #metrics()}, 0 when it is not there. */
    public double metric(final String sample) throws Exception
    {
        for (final String line : metrics().split("\n"))
        {
            if (line.startsWith(sample + " "))
            {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    /** Create a key with these scopes (and optional rate) and return its secret. */
    public String newKey(final String name, final String scopesJson, final String extra) throws Exception
    {
        final Answer answer = post("/api/v1/keys", adminKey,
            "{\"name\":\"" + name + "\",\"scopes\":" + scopesJson + (extra == null ? "" : "," + extra) + "}");
        if (answer.status != 201)
        {
            throw new AssertionError("key creation failed: " + answer);
        }
        return answer.text("key");
    }

    @Override
    public void close()
    {
        node.close();
    }
}
