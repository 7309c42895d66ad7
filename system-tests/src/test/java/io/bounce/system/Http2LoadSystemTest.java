package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bounce.edge.EdgeConfig;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.tls.DevelopmentCa;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** HTTP/2 under load from a real HTTP/2 client: nghttp2's h2load, many streams on few connections, every answer a redirect. */
class Http2LoadSystemTest
{
    @TempDir
    Path dir;

    @Test
    void everyStreamOfAnH2loadRunIsARedirect() throws Exception
    {
        Stack.ensureTool("h2load", "nghttp2-client");
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        DevelopmentCa.write(dir, "localhost", ca.issue(List.of("localhost", "127.0.0.1"), "EC", Duration.ofDays(30)));
        final StringBuilder tsv = new StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            tsv.append("code").append(i).append("\thttps://example.com/").append(i).append('\n');
        }
        Files.writeString(dir.resolve("links.tsv"), tsv);
        final EdgeConfig config = new EdgeConfig();
        new CommandLine(config).parseArgs("--data-dir", dir.resolve("edge").toString(), "--host", "127.0.0.1", "--port", "0",
            "--admin-port", "0", "--https-port", "0", "--io-threads", "1", "--expected-links", "1000", "--import",
            dir.resolve("links.tsv").toString(), "--tls-cert", dir.resolve("localhost.pem").toString(), "--tls-key",
            dir.resolve("localhost.key").toString());
        try (EdgeNode edge = EdgeNode.start(config.conclude(), SystemEpochClock.INSTANCE, new PrintStream(new ByteArrayOutputStream())))
        {
            final int port = edge.httpsAddress().getPort();
            Files.writeString(dir.resolve("urls.txt"), String.join("\n", java.util.stream.IntStream.range(0, 100)
                .mapToObj(i -> "https://127.0.0.1:" + port + "/code" + i).toList()) + "\n");
            final Process h2load = new ProcessBuilder("h2load", "-n", "5000", "-c", "4", "-m", "10", "-i", dir.resolve("urls.txt").toString())
                .redirectErrorStream(true).start();
            final String output = new String(h2load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(h2load.waitFor(120, TimeUnit.SECONDS), output);
            assertTrue(output.contains("Application protocol: h2"), output);
            final Matcher requests = Pattern.compile("requests: (\\d+) total, \\d+ started, (\\d+) done, (\\d+) succeeded, (\\d+) failed").matcher(output);
            assertTrue(requests.find(), output);
            assertEquals("5000", requests.group(3), output);
            assertEquals("0", requests.group(4), output);
            final Matcher statuses = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx").matcher(output);
            assertTrue(statuses.find(), output);
            assertEquals("5000", statuses.group(2), "every answer a redirect:\n" + output);
            assertEquals(5000, Stack.sample(Stack.metrics(edge), "bounce_edge_responses_total{status=\"302\"}"));
        }
    }
}
