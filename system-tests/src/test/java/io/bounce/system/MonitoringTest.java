package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.aggregator.AggregatorConfig;
import io.bounce.aggregator.AggregatorNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.tls.ClientTrust;
import io.bounce.runtime.tls.DevelopmentCa;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The monitoring kit under {@code ops/} checked against the real thing: Prometheus's own promtool validates
 * the scrape config and the alert rules and runs the rules' unit tests; the dashboard's queries are parsed by
 * promtool too; and every metric the rules and the dashboard name must be one that a real control plane and
 * a real edge expose, so a renamed metric cannot leave an alert that never fires.
 */
class MonitoringTest
{
    private static final Path ROOT = Stack.ROOT;
    private static final Path PROMETHEUS = ROOT.resolve("ops/prometheus");
    private static final Path DASHBOARD = ROOT.resolve("ops/grafana/bounce-dashboard.json");
    private static final Path OPERATIONS = ROOT.resolve("docs/operations.md");
    private static final Pattern METRIC = Pattern.compile("\\b(?:bounce|jvm|process)_[a-z0-9_]+");
    private static final Pattern RUNBOOK = Pattern.compile("runbook: docs/operations\\.md#([a-z0-9-]+)");

    @Test
    void promtoolAcceptsTheScrapeConfigAndTheRulesAndTheirUnitTestsPass() throws Exception
    {
        assertEquals(0, promtool(PROMETHEUS, "check", "config", "prometheus.yml"), "promtool check config");
        assertEquals(0, promtool(PROMETHEUS, "check", "rules", "bounce-rules.yml"), "promtool check rules");
        assertEquals(0, promtool(PROMETHEUS, "test", "rules", "bounce-rules.test.yml"), "promtool test rules");
    }

    @Test
    void everyDashboardQueryParses(@TempDir final Path dir) throws Exception
    {
        final StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        final List<String> queries = dashboardQueries();
        for (int i = 0; i < queries.size(); i++)
        {
            // Grafana's variables become what they stand for, so promtool parses the query Prometheus will run.
            final String expr = queries.get(i).replace("$__rate_interval", "1m").replace("$pop", ".*").replace("$edge", ".*");
            rules.append("      - record: dashboard:query_").append(i).append('\n')
                .append("        expr: '").append(expr.replace("'", "''")).append("'\n");
        }
        final Path file = dir.resolve("dashboard-rules.yml");
        Files.writeString(file, rules.toString(), StandardCharsets.UTF_8);
        assertTrue(queries.size() >= 20, "the dashboard has its panels");
        assertEquals(0, promtool(dir, "check", "rules", file.getFileName().toString()), "dashboard queries:\n" + rules);
    }

    @Test
    void everyMetricTheRulesAndTheDashboardNameIsExposedByARealEdgeOrControlPlane(@TempDir final Path dir) throws Exception
    {
        final Set<String> named = new TreeSet<>();
        collect(Files.readString(PROMETHEUS.resolve("bounce-rules.yml"), StandardCharsets.UTF_8), named);
        for (final String query : dashboardQueries())
        {
            collect(query, named);
        }

        final Set<String> exposed = new TreeSet<>();
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("edge"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                tlsArgs(dir)))
        {
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/\",\"alias\":\"scraped\"}");
            httpsRedirect(dir, edge, "scraped");
            // A refusal too: a labelled counter has no sample (nor a TYPE line) until its first label.
            assertEquals(400, Stack.call("POST", Stack.base(cp) + "/api/v1/links", Stack.adminKey(cp), "{\"url\":\"ftp://x\"}").statusCode());
            Stack.await("the edge has the link", 10_000, () -> redirects(edge));
            exposedNames(Stack.metrics(edge), exposed);
            exposedNames(Stack.call("GET", "http://127.0.0.1:" + cp.adminAddress().getPort() + "/metrics", null, null).body(), exposed);
        }
        final Set<String> missing = new TreeSet<>(named);
        missing.removeAll(exposed);
        assertTrue(named.size() > 20, "the rules and dashboard name metrics: " + named);
        assertTrue(missing.isEmpty(), "named in ops/ but exposed by no process: " + missing);
    }

    @Test
    void promtoolAcceptsAScrapeOfEveryRoleAndEachCarriesJvmProcessAndBuildMetrics(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> scrapes = new TreeMap<>();
        final AggregatorConfig aggregatorConfig = new AggregatorConfig();
        new CommandLine(aggregatorConfig).parseArgs("--data-dir", dir.resolve("aggregator").toString(), "--port", "0", "--admin-port", "0");
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode edge = Stack.edge(dir.resolve("edge"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                tlsArgs(dir));
            AggregatorNode aggregator = AggregatorNode.start(aggregatorConfig.conclude(), new PrintStream(new ByteArrayOutputStream())))
        {
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/\",\"alias\":\"linted\"}");
            Stack.await("the edge has the link", 10_000, () -> edge.replica().get("localhost", "linted") != null);
            Stack.redirect(edge, "linted");
            Stack.redirect(edge, "no-such-link");
            httpsRedirect(dir, edge, "linted");
            scrapes.put("edge", Stack.metrics(edge));
            scrapes.put("control-plane", adminMetrics(cp.adminAddress().getPort()));
            scrapes.put("aggregator", adminMetrics(aggregator.adminAddress().getPort()));
        }
        for (final Map.Entry<String, String> scrape : scrapes.entrySet())
        {
            final String role = scrape.getKey();
            final String text = scrape.getValue();
            final Path file = dir.resolve(role + ".metrics");
            Files.writeString(file, text, StandardCharsets.UTF_8);
            assertEquals(0, promtoolReading(dir, file, "check", "metrics"), "promtool check metrics on the " + role + "'s scrape");
            assertTrue(text.contains("bounce_build_info{role=\"" + role + "\",version=\""), role + " exports its build info");
            for (final String name : new String[] {"jvm_memory_used_bytes", "jvm_gc_collection_seconds", "jvm_threads_current",
                "process_cpu_seconds_total", "process_open_fds", "bounce_ready"})
            {
                assertTrue(text.contains("\n" + name), role + " exports " + name);
            }
        }
    }

    @Test
    void everyAlertLinksToARunbookThatExists() throws IOException
    {
        final String rules = Files.readString(PROMETHEUS.resolve("bounce-rules.yml"), StandardCharsets.UTF_8);
        final Set<String> anchors = new TreeSet<>();
        for (final String line : Files.readAllLines(OPERATIONS, StandardCharsets.UTF_8))
        {
            if (line.startsWith("#"))
            {
                anchors.add(slug(line.replaceFirst("^#+\\s*", "")));
            }
        }
        final Matcher runbook = RUNBOOK.matcher(rules);
        int alerts = 0;
        while (runbook.find())
        {
            alerts++;
            assertTrue(anchors.contains(runbook.group(1)), "docs/operations.md has no heading for #" + runbook.group(1));
        }
        assertEquals(count(rules, "- alert: "), count(rules, "runbook: docs/operations.md#"), "every alert names a runbook");
        assertTrue(alerts > 10);
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
    private static String slug(final String heading)
    {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").trim().replace(' ', '-');
    }

    private static int count(final String text, final String what)
    {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1))
        {
            n++;
        }
        return n;
    }

    /** An HTTPS port with a certificate from a development CA, so the TLS metrics are scraped and linted too. */
    private static String[] tlsArgs(final Path dir) throws IOException
    {
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        DevelopmentCa.write(dir.resolve("tls"), "localhost", ca.issue(List.of("localhost"), "EC", Duration.ofDays(30)));
        return new String[] {"--https-port", "0", "--tls-dir", dir.resolve("tls").toString()};
    }

    private static void httpsRedirect(final Path dir, final EdgeNode edge, final String code) throws Exception
    {
        final HttpClient https = HttpClient.newBuilder().sslContext(ClientTrust.trusting(dir.resolve("ca").resolve("ca.pem"))).build();
        final HttpResponse<String> response = https.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + edge.httpsAddress().getPort() + "/" + code)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() == 302 || response.statusCode() == 404, "over HTTPS: " + response.statusCode());
    }

    private static boolean redirects(final EdgeNode edge)
    {
        try
        {
            return Stack.redirect(edge, "scraped").startsWith("302");
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    private static List<String> dashboardQueries() throws IOException
    {
        final List<String> queries = new ArrayList<>();
        for (final JsonNode panel : Stack.JSON.readTree(DASHBOARD.toFile()).path("panels"))
        {
            for (final JsonNode target : panel.path("targets"))
            {
                queries.add(target.path("expr").asText());
            }
        }
        return queries;
    }

    private static void collect(final String text, final Set<String> into)
    {
        final Matcher metric = METRIC.matcher(text);
        while (metric.find())
        {
            into.add(metric.group());
        }
    }

    /** Names from the exposition text: every sample's, and for each declared histogram its three series. */
    private static void exposedNames(final String metrics, final Set<String> into)
    {
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("# TYPE "))
            {
                final String[] parts = line.split(" ");
                into.add(parts[2]);
                if ("histogram".equals(parts[3]))
                {
                    into.add(parts[2] + "_bucket");
                    into.add(parts[2] + "_sum");
                    into.add(parts[2] + "_count");
                }
            }
            else if (!line.startsWith("#") && !line.isBlank())
            {
                into.add(line.split("[{ ]", 2)[0]);
            }
        }
    }

    private static String adminMetrics(final int adminPort) throws Exception
    {
        return Stack.call("GET", "http://127.0.0.1:" + adminPort + "/metrics", null, null).body();
    }

    /** Run promtool in {@code dir}, installing Debian's prometheus package (which ships it) where it is missing. */
    private static int promtool(final Path dir, final String... args) throws Exception
    {
        return promtoolReading(dir, null, args);
    }

    /** ... with {@code input} (when not null) as its standard input. */
    private static int promtoolReading(final Path dir, final Path input, final String... args) throws Exception
    {
        Stack.ensureTool("promtool", "prometheus");
        final List<String> command = new ArrayList<>();
        command.add("promtool");
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).inheritIO();
        if (input != null)
        {
            builder.redirectInput(input.toFile());
        }
        final Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "promtool " + String.join(" ", args) + " finished");
        return process.exitValue();
    }
}
