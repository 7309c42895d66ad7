package io.bounce.ops.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bouncectl}: the admin CLI over the HTTP API. Human tables by default, {@code --json} for
 * scripts; exit 0 on success, 1 when the server refuses (its problem detail is printed), 2 for usage.
 */
@Command(
    name = "bouncectl",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    version = "bouncectl 0.1.0",
    description = "Manage Bounce links, domains and keys through the control plane's API.",
    subcommands = {LinkCommands.class, DomainCommands.class, BounceCtl.Keys.class, AccountCommands.class, BounceCtl.Takedown.class,
        BounceCtl.Analytics.class},
    footer = "%nThe API, key and CA can also come from BOUNCE_API, BOUNCE_KEY and BOUNCE_CA.")
public final class BounceCtl
{
    @Option(names = "--api", paramLabel = "URL", defaultValue = "${env:BOUNCE_API:-http://127.0.0.1:7070}",
        description = "Control-plane API base URL, or several of one store comma-separated: a request goes on to the next (the " +
            "leader first) when one is unreachable or does not write (env BOUNCE_API). Default: ${DEFAULT-VALUE}",
        scope = CommandLine.ScopeType.INHERIT)
    String api;

    @Option(names = "--key", paramLabel = "KEY", defaultValue = "${env:BOUNCE_KEY}", description = "API key (env BOUNCE_KEY).",
        scope = CommandLine.ScopeType.INHERIT)
    String key;

    @Option(names = "--ca", paramLabel = "FILE", defaultValue = "${env:BOUNCE_CA}", scope = CommandLine.ScopeType.INHERIT,
        description = "PEM certificate(s) to trust for an https:// --api, instead of the system's authorities: a private CA, or " +
            "bounce up's <data-dir>/ca/ca.pem (env BOUNCE_CA).")
    Path ca;

    @Option(names = "--json", description = "Print the server's JSON instead of tables.", scope = CommandLine.ScopeType.INHERIT)
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    ApiClient client() throws ApiClient.Failure
    {
        return new ApiClient(api, key, ca);
    }

    PrintWriter out()
    {
        return spec.commandLine().getOut();
    }

    PrintWriter err()
    {
        return spec.commandLine().getErr();
    }

    /** Print JSON or a human form of it. */
    void print(final JsonNode node, final Runnable human)
    {
        if (json)
        {
            out().println(node == null ? "" : node.toPrettyString());
        }
        else
        {
            human.run();
        }
        out().flush();
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Run with these streams; returns the exit code. */
    public static int run(final String[] args, final PrintWriter out, final PrintWriter err)
    {
        final CommandLine commandLine = new CommandLine(new BounceCtl());
        commandLine.setOut(out).setErr(err);
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) ->
        {
            // One plain sentence, never a stack trace: what went wrong and, where it can, what to fix.
            if (ex instanceof ApiClient.Failure)
            {
                cl.getErr().println("bouncectl: " + ex.getMessage());
                cl.getErr().flush();
                return ((ApiClient.Failure)ex).exitCode;
            }
            final String what = ex instanceof java.nio.file.NoSuchFileException ? "no such file: " + ex.getMessage()
                : ex instanceof java.nio.file.AccessDeniedException ? "permission denied: " + ex.getMessage()
                : ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cl.getErr().println("bouncectl: " + what);
            cl.getErr().flush();
            return 1;
        });
        return commandLine.execute(args);
    }

    static void table(final PrintWriter out, final List<String> header, final List<List<String>> rows)
    {
        final int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++)
        {
            widths[i] = header.get(i).length();
            for (final List<String> row : rows)
            {
                widths[i] = Math.max(widths[i], Math.min(row.get(i).length(), 80));
            }
        }
        final List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (final List<String> row : all)
        {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++)
            {
                final String cell = row.get(i);
                line.append(i == row.size() - 1 ? cell : String.format("%-" + widths[i] + "s  ", cell));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    @Command(name = "keys", description = "Create, list, grant domains to or revoke API keys (admin).", mixinStandardHelpOptions = true)
    static final class Keys
    {
        @ParentCommand
        BounceCtl root;

        @Command(name = "create", description = "Create a key; its secret is printed once.")
        int create(
            @Option(names = "--name", paramLabel = "NAME", required = true, description = "who or what the key is for") final String name,
            @Option(names = "--scope", required = true, split = ",",
                description = "admin, links:write, links:read, analytics:read (repeat or comma-separate)") final List<String> scopes,
            @Option(names = "--rate", description = "requests per second (0 = unlimited); default: the server's") final Double rate,
            @Option(names = "--burst", paramLabel = "BURST", description = "burst size; default: the server's") final Integer burst,
            @Option(names = "--domains", paramLabel = "DOMAIN", split = ",",
                description = "branded domains it may create links on (comma-separate; * for all); the default domain is every key's")
            final List<String> domains) throws ApiClient.Failure
        {
            final Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("name", name);
            body.put("scopes", scopes);
            if (rate != null)
            {
                body.put("ratePerSecond", rate);
            }
            if (burst != null)
            {
                body.put("burst", burst);
            }
            if (domains != null)
            {
                body.put("domains", domains);
            }
            final JsonNode answer = root.client().call("POST", "/api/v1/keys", body);
            root.print(answer, () ->
            {
                root.out().println("key " + answer.get("id").asText() + " (" + name + "): " + answer.get("key").asText());
                root.out().println("store it now: it is not shown again");
            });
            return 0;
        }

        @Command(name = "list", description = "List keys (never their secrets).")
        int list() throws ApiClient.Failure
        {
            final JsonNode answer = root.client().call("GET", "/api/v1/keys", null);
            root.print(answer, () ->
            {
                final List<List<String>> rows = new ArrayList<>();
                for (final JsonNode key : answer.get("keys"))
                {
                    final List<String> scopes = new ArrayList<>();
                    key.get("scopes").forEach(s -> scopes.add(s.asText()));
                    final List<String> granted = new ArrayList<>();
                    key.path("domains").forEach(d -> granted.add(d.asText()));
                    rows.add(List.of(key.get("id").asText(), key.get("name").asText(), String.join(",", scopes),
                        key.has("ratePerSecond") ? key.get("ratePerSecond").asText() : "default",
                        granted.isEmpty() ? "-" : String.join(",", granted),
                        key.get("revoked").asBoolean() ? "revoked" : "active", key.get("createdAt").asText()));
                }
                table(root.out(), List.of("ID", "NAME", "SCOPES", "RATE/S", "DOMAINS", "STATE", "CREATED"), rows);
            });
            return 0;
        }

        @Command(name = "grant", description = "Set the branded domains a key may create links on (replacing what it had).")
        int grant(@CommandLine.Parameters(paramLabel = "ID") final long id,
            @Option(names = "--domains", paramLabel = "DOMAIN", split = ",", required = true,
                description = "branded domains (comma-separate; * for all; \"\" for the default domain only)") final List<String> domains)
            throws ApiClient.Failure
        {
            final List<String> granted = domains.stream().filter(d -> !d.isBlank()).toList();
            final JsonNode answer = root.client().call("PATCH", "/api/v1/keys/" + id, Map.of("domains", granted));
            root.print(answer, () -> root.out().println("key " + id + " may create links on the default domain" +
                (granted.isEmpty() ? " only" : " and " + String.join(", ", granted))));
            return 0;
        }

        @Command(name = "revoke", description = "Revoke a key: it stops working at once.")
        int revoke(@CommandLine.Parameters(paramLabel = "ID") final long id) throws ApiClient.Failure
        {
            root.client().call("DELETE", "/api/v1/keys/" + id, null);
            root.print(null, () -> root.out().println("revoked key " + id));
            return 0;
        }
    }

    @Command(name = "takedown", description = "Disable a link for abuse (admin); edges answer 451.", mixinStandardHelpOptions = true)
    static final class Takedown implements Callable<Integer>
    {
        @ParentCommand
        BounceCtl root;

        @CommandLine.Parameters(paramLabel = "CODE")
        String code;

        @Option(names = "--reason", required = true, description = "why (kept with the link)")
        String reason;

        @Option(names = "--domain", description = "the link's domain; default: the default domain")
        String domain;

        @Override
        public Integer call() throws ApiClient.Failure
        {
            final JsonNode answer = root.client().call("POST", "/api/v1/links/" + code + "/takedown" +
                (domain == null ? "" : "?domain=" + ApiClient.q(domain)), Map.of("reason", reason));
            root.print(answer, () -> root.out().println("disabled " + answer.get("shortUrl").asText() + ": " + reason));
            return 0;
        }
    }

    @Command(name = "analytics", description = "A link's clicks: totals, a timeline chart, top referrers, countries, browsers, OSes, devices.",
        mixinStandardHelpOptions = true)
    static final class Analytics implements Callable<Integer>
    {
        private static final int BAR_WIDTH = 40;

        @ParentCommand
        BounceCtl root;

        @CommandLine.Parameters(paramLabel = "CODE")
        String code;

        @Option(names = "--domain", description = "the link's domain; default: the default domain")
        String domain;

        @Option(names = "--from", description = "start, RFC 3339 (default: 7 days before --to)")
        String from;

        @Option(names = "--to", description = "end, RFC 3339 (default: now)")
        String to;

        @Option(names = "--granularity", defaultValue = "day", description = "hour, day or week. Default: ${DEFAULT-VALUE}")
        String granularity;

        @Override
        public Integer call() throws ApiClient.Failure
        {
            final StringBuilder path = new StringBuilder("/api/v1/links/" + ApiClient.q(code) + "/analytics?granularity=" +
                ApiClient.q(granularity));
            if (domain != null)
            {
                path.append("&domain=").append(ApiClient.q(domain));
            }
            if (from != null)
            {
                path.append("&from=").append(ApiClient.q(from));
            }
            if (to != null)
            {
                path.append("&to=").append(ApiClient.q(to));
            }
            final JsonNode a = root.client().call("GET", path.toString(), null);
            root.print(a, () -> human(a));
            return 0;
        }

        private void human(final JsonNode a)
        {
            final PrintWriter out = root.out();
            out.println(a.get("domain").asText() + "/" + a.get("code").asText() + "  " + a.get("from").asText() + " .. " +
                a.get("to").asText());
            out.println("clicks " + a.get("clicks").asLong() + "   unique visitors " + a.get("uniqueVisitors").asLong() +
                "   bots and previews (not counted) " + a.get("botClicks").asLong());
            out.println();
            long max = 1;
            for (final JsonNode bucket : a.get("timeline"))
            {
                max = Math.max(max, bucket.get("clicks").asLong());
            }
            final List<List<String>> rows = new ArrayList<>();
            for (final JsonNode bucket : a.get("timeline"))
            {
                final long n = bucket.get("clicks").asLong();
                final int width = (int)Math.round((double)n * BAR_WIDTH / max);
                rows.add(List.of(bucket.get("start").asText(), Long.toString(n), "#".repeat(width)));
            }
            if (rows.isEmpty())
            {
                out.println("no clicks in this period");
            }
            else
            {
                table(out, List.of(a.get("granularity").asText().toUpperCase(java.util.Locale.ROOT), "CLICKS", ""), rows);
            }
            for (final String[] dimension : new String[][] {{"referrers", "REFERRER"}, {"countries", "COUNTRY"},
                {"browsers", "BROWSER"}, {"oses", "OS"}, {"devices", "DEVICE"},
                {"destinations", "DESTINATION"}})
            {
                final List<List<String>> top = new ArrayList<>();
                boolean ruled = false;
                for (final JsonNode entry : a.path(dimension[0]))
                {
                    final String name = entry.get("name").asText();
                    ruled |= !name.equals("url");
                    top.add(List.of(name + (entry.has("url") ? " " + entry.get("url").asText() : ""),
                        Long.toString(entry.get("clicks").asLong())));
                }
                // destinations only for a link with rules: every click of a plain link goes to its url
                if (!top.isEmpty() && (ruled || !dimension[0].equals("destinations")))
                {
                    out.println();
                    table(out, List.of(dimension[1], "CLICKS"), top);
                }
            }
        }
    }
}
