package io.bounce.ops.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bouncectl links ...}. */
@Command(name = "links", description = "Create, read, change, delete, import and export links.", mixinStandardHelpOptions = true)
final class LinkCommands
{
    @ParentCommand
    BounceCtl root;

    private static String domainQuery(final String domain)
    {
        return domain == null ? "" : "?domain=" + ApiClient.q(domain);
    }

    private void printLink(final JsonNode link)
    {
        final PrintWriter out = root.out();
        out.println(link.get("shortUrl").asText() + " -> " + link.get("url").asText());
        out.println("  redirect       " + link.get("redirect").asText() + (link.get("forwardQuery").asBoolean() ? ", forwards query" : ""));
        out.println("  created        " + link.get("createdAt").asText());
        out.println("  editable until " + link.get("editableUntil").asText());
        out.println("  expires        " + (link.get("expiresAt").isNull() ? "never" : link.get("expiresAt").asText()));
        if (link.get("disabled").asBoolean())
        {
            out.println("  DISABLED       " + link.path("disabledReason").asText());
        }
        for (final JsonNode target : link.path("targets"))
        {
            out.println("  target         if " + target.get("if") + " -> " + target.get("url").asText());
        }
        for (final JsonNode variant : link.path("variants"))
        {
            out.println("  variant        weight " + variant.get("weight").asInt() + " -> " + variant.get("url").asText());
        }
        if (link.has("expiredUrl"))
        {
            out.println("  when expired   " + link.get("expiredUrl").asText());
        }
        if (link.has("og"))
        {
            out.println("  preview        " + link.get("og"));
        }
        if (link.has("utm"))
        {
            out.println("  utm            " + link.get("utm"));
        }
        if (link.path("passwordProtected").asBoolean())
        {
            out.println("  password       required");
        }
        if (!link.path("tags").isEmpty())
        {
            final List<String> tags = new ArrayList<>();
            link.get("tags").forEach(tag -> tags.add(tag.asText()));
            out.println("  tags           " + String.join(", ", tags));
        }
        if (link.has("maxClicks"))
        {
            out.println("  max clicks     " + link.get("maxClicks").asLong() +
                (link.path("limitReached").asBoolean() ? ", reached at " + link.path("limitReachedAt").asText() : ""));
        }
    }

    private static final String MAX_CLICKS_HELP = "the most human clicks the link takes; then it answers as expired (410, or its "
        + "expiredUrl). A few seconds of clicks may pass it (docs/link-rules.md).";

    private static final String RULES_HELP = "a JSON object of link rules (targets, variants, expiredUrl, og, utm, password), "
        + "as the API takes them; see docs/link-rules.md.";

    private static final String TAG_HELP = "a label to find the link by (repeat or comma-separate; at most 10, each 1-32 of a-z 0-9 - _).";
    private static final String PASSWORD_HELP = "visitors must give the password in FILE (its first line; - reads standard input) "
        + "first; kept only as a hash. Never on the command line, where ps and shell history would show it.";

    /** Put the password read from {@code file} (its first line) into a request body. */
    static void readPassword(final Path file, final Map<String, Object> body) throws ApiClient.Failure
    {
        if (file == null)
        {
            return;
        }
        try
        {
            final String text = file.toString().equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                : Files.readString(file, StandardCharsets.UTF_8);
            final String line = text.lines().findFirst().orElse("");
            if (line.isEmpty())
            {
                throw new ApiClient.Failure(0, "no password in the first line of " + file, 0, 2);
            }
            body.put("password", line);
        }
        catch (final IOException ex)
        {
            throw new ApiClient.Failure(0, "cannot read the password in " + file + ": " + ex.getMessage(), 0, 2);
        }
    }

    /** Put the rule fields of a --rules file into a request body; any other field is refused (it has an option of its own). */
    private void readRules(final Path file, final Map<String, Object> body) throws ApiClient.Failure
    {
        if (file == null)
        {
            return;
        }
        final JsonNode rules;
        try
        {
            rules = ApiClient.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new ApiClient.Failure(0, "cannot read the rules in " + file + ": " + ex.getMessage(), 0, 2);
        }
        if (rules == null || !rules.isObject())
        {
            throw new ApiClient.Failure(0, file + " must hold a JSON object of rules", 0, 2);
        }
        final java.util.Iterator<String> names = rules.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!List.of("targets", "variants", "expiredUrl", "og", "utm", "password").contains(name))
            {
                throw new ApiClient.Failure(0, file + ": '" + name + "' is not a rule (targets, variants, expiredUrl, og, utm, password)", 0, 2);
            }
            body.put(name, rules.get(name));
        }
    }

    @Command(name = "create", description = "Create a short link.")
    int create(
        @Parameters(paramLabel = "URL", description = "destination: absolute http(s) URL") final String url,
        @Option(names = "--alias", paramLabel = "ALIAS", description = "custom code: 3-64 of A-Z a-z 0-9 _ -") final String alias,
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "branded domain; default: the default domain") final String domain,
        @Option(names = "--expires-at", paramLabel = "EXPIRES_AT", description = "RFC 3339 time, e.g. 2026-12-31T23:59:59Z") final String expiresAt,
        @Option(names = "--redirect", paramLabel = "STATUS", description = "301, 302 (default), 307 or 308") final Integer redirect,
        @Option(names = "--forward-query", description = "append the request's query string to the destination") final boolean forward,
        @Option(names = "--max-clicks", paramLabel = "N", description = MAX_CLICKS_HELP) final Integer maxClicks,
        @Option(names = "--rules", paramLabel = "FILE", description = RULES_HELP) final Path rules,
        @Option(names = "--password-file", paramLabel = "FILE", description = PASSWORD_HELP) final Path passwordFile,
        @Option(names = "--tag", paramLabel = "TAG", split = ",", description = TAG_HELP) final List<String> tags)
        throws ApiClient.Failure
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", url);
        if (tags != null)
        {
            body.put("tags", tags);
        }
        if (maxClicks != null)
        {
            body.put("maxClicks", maxClicks);
        }
        readRules(rules, body);
        readPassword(passwordFile, body);
        if (alias != null)
        {
            body.put("alias", alias);
        }
        if (domain != null)
        {
            body.put("domain", domain);
        }
        if (expiresAt != null)
        {
            body.put("expiresAt", expiresAt);
        }
        if (redirect != null)
        {
            body.put("redirect", redirect);
        }
        if (forward)
        {
            body.put("forwardQuery", true);
        }
        final JsonNode link = root.client().call("POST", "/api/v1/links", body);
        root.print(link, () -> printLink(link));
        return 0;
    }

    @Command(name = "get", description = "Show a link.")
    int get(@Parameters(paramLabel = "CODE") final String code,
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "the link's domain") final String domain) throws ApiClient.Failure
    {
        final JsonNode link = root.client().call("GET", "/api/v1/links/" + ApiClient.q(code) + domainQuery(domain), null);
        root.print(link, () -> printLink(link));
        return 0;
    }

    @Command(name = "qr", description = "Write a link's short URL as a QR code (SVG or PNG) to --out or standard output.")
    int qr(@Parameters(paramLabel = "CODE") final String code,
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "the link's domain") final String domain,
        @Option(names = "--format", defaultValue = "svg", paramLabel = "svg|png", description = "Default: ${DEFAULT-VALUE}") final String format,
        @Option(names = "--size", paramLabel = "N", description = "width and height, 64-2048 (pixels for PNG). Default: 512") final Integer size,
        @Option(names = "--margin", paramLabel = "M", description = "quiet zone in modules, 0-16. Default: 4") final Integer margin,
        @Option(names = "--out", paramLabel = "FILE", description = "write here instead of standard output") final java.nio.file.Path out)
        throws ApiClient.Failure
    {
        if (!format.equals("svg") && !format.equals("png"))
        {
            throw new ApiClient.Failure(0, "--format must be svg or png, not '" + format + "'", 0, 2);
        }
        final byte[] image = root.client().download("/api/v1/links/" + ApiClient.q(code) + "/qr?format=" + format +
            (size == null ? "" : "&size=" + size) + (margin == null ? "" : "&margin=" + margin) +
            (domain == null ? "" : "&domain=" + ApiClient.q(domain)), format.equals("svg") ? "image/svg+xml" : "image/png");
        try
        {
            if (out != null)
            {
                java.nio.file.Files.write(out, image);
            }
            else
            {
                System.out.write(image); // bytes, not text: not through the command's writer
                System.out.flush();
            }
        }
        catch (final java.io.IOException ex)
        {
            throw new ApiClient.Failure(0, "cannot write the QR code to " + (out == null ? "standard output" : out) + ": " + ex.getMessage());
        }
        return 0;
    }

    @Command(name = "list", description = "List your links, newest first.")
    int list(
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "only this domain") final String domain,
        @Option(names = "--search", paramLabel = "TEXT", description = "only links whose code, URL, domain or tags contain TEXT (ignoring case)")
        final String search,
        @Option(names = "--tag", paramLabel = "TAG", description = "only links with this tag") final String tag,
        @Option(names = "--limit", defaultValue = "50", description = "links per page (1-1000). Default: ${DEFAULT-VALUE}") final int limit,
        @Option(names = "--all", description = "follow the cursor through every page") final boolean all) throws ApiClient.Failure
    {
        final List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do
        {
            final JsonNode page = root.client().call("GET", "/api/v1/links?limit=" + limit +
                (domain == null ? "" : "&domain=" + ApiClient.q(domain)) + (search == null ? "" : "&search=" + ApiClient.q(search)) +
                (tag == null ? "" : "&tag=" + ApiClient.q(tag)) +
                (cursor == null ? "" : "&cursor=" + cursor), null);
            page.get("items").forEach(items::add);
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        }
        while (all && cursor != null);
        final JsonNode array = ApiClient.JSON.valueToTree(items);
        root.print(array, () ->
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final JsonNode link : items)
            {
                rows.add(List.of(link.get("code").asText(), link.get("domain").asText(), link.get("redirect").asText(),
                    link.get("expiresAt").isNull() ? "-" : link.get("expiresAt").asText(),
                    link.get("disabled").asBoolean() ? "disabled" : "live", link.get("url").asText()));
            }
            BounceCtl.table(root.out(), List.of("CODE", "DOMAIN", "REDIRECT", "EXPIRES", "STATE", "URL"), rows);
        });
        return 0;
    }

    @Command(name = "update", description = "Change a link (the destination only inside its edit window).")
    int update(
        @Parameters(paramLabel = "CODE") final String code,
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "the link's domain") final String domain,
        @Option(names = "--url", paramLabel = "URL", description = "new destination") final String url,
        @Option(names = "--expires-at", description = "new expiry (RFC 3339)") final String expiresAt,
        @Option(names = "--no-expiry", description = "remove the expiry") final boolean noExpiry,
        @Option(names = "--redirect", paramLabel = "STATUS", description = "301, 302, 307 or 308") final Integer redirect,
        @Option(names = "--forward-query", paramLabel = "FORWARD_QUERY", arity = "1", description = "true or false") final Boolean forward,
        @Option(names = "--max-clicks", paramLabel = "N", description = MAX_CLICKS_HELP + " A new limit is checked afresh.")
        final Integer maxClicks,
        @Option(names = "--no-max-clicks", description = "remove the click limit") final boolean noMaxClicks,
        @Option(names = "--rules", paramLabel = "FILE", description = RULES_HELP + " A rule set to null is removed; one the file "
            + "leaves out stays.") final Path rules,
        @Option(names = "--password-file", paramLabel = "FILE", description = PASSWORD_HELP + " A new password ends the passes "
            + "visitors earned with the old one.") final Path passwordFile,
        @Option(names = "--no-password", description = "remove the password") final boolean noPassword,
        @Option(names = "--tag", paramLabel = "TAG", split = ",", description = TAG_HELP + " Replaces the link's tags.") final List<String> tags,
        @Option(names = "--no-tags", description = "remove every tag") final boolean noTags)
        throws ApiClient.Failure
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        if (noTags)
        {
            body.put("tags", List.of());
        }
        else if (tags != null)
        {
            body.put("tags", tags);
        }
        if (noMaxClicks)
        {
            body.put("maxClicks", null);
        }
        else if (maxClicks != null)
        {
            body.put("maxClicks", maxClicks);
        }
        readRules(rules, body);
        if (noPassword)
        {
            body.put("password", null);
        }
        readPassword(passwordFile, body);
        if (url != null)
        {
            body.put("url", url);
        }
        if (noExpiry)
        {
            body.put("expiresAt", null);
        }
        else if (expiresAt != null)
        {
            body.put("expiresAt", expiresAt);
        }
        if (redirect != null)
        {
            body.put("redirect", redirect);
        }
        if (forward != null)
        {
            body.put("forwardQuery", forward);
        }
        final JsonNode link = root.client().call("PATCH", "/api/v1/links/" + ApiClient.q(code) + domainQuery(domain), body);
        root.print(link, () -> printLink(link));
        return 0;
    }

    @Command(name = "delete", description = "Delete a link; its code is never handed out again.")
    int delete(@Parameters(paramLabel = "CODE") final String code,
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "the link's domain") final String domain) throws ApiClient.Failure
    {
        root.client().call("DELETE", "/api/v1/links/" + ApiClient.q(code) + domainQuery(domain), null);
        root.print(null, () -> root.out().println("deleted " + code));
        return 0;
    }

    @Command(name = "import", description = {
        "Create links from a TSV or CSV file of any size, one a line: code, url and optionally redirect, domain,",
        "forwardQuery, expiresAt, disabledReason (the file 'links export' writes; 'bounce edge --import' reads it too).",
        "An empty code gets a random one. A header line, blank lines and lines starting with # are skipped; so are",
        "links already expired (re-created they would only answer 410). A link taken down is re-created taken down",
        "(admin keys only). Run again, it creates nothing twice: a link already there as the line says counts as",
        "unchanged. Sent in bulk batches, several at once; prints progress and a summary."})
    int importLinks(
        @Parameters(paramLabel = "FILE") final Path file,
        @Option(names = "--format", defaultValue = "auto", description = "tsv, csv or auto (by file name). Default: ${DEFAULT-VALUE}") final String format,
        @Option(names = "--batch", defaultValue = "1000", description = "links per request (1-1000). Default: ${DEFAULT-VALUE}") final int batch,
        @Option(names = "--parallel", defaultValue = "32", description = "requests in flight (more in flight means more links per group commit). Default: ${DEFAULT-VALUE}") final int parallel)
        throws IOException, InterruptedException, ApiClient.Failure
    {
        if (batch < 1 || batch > 1000 || parallel < 1 || parallel > 64)
        {
            throw new CommandLine.ParameterException(root.spec.commandLine(), "--batch must be 1-1000 and --parallel 1-64");
        }
        final boolean csv = "csv".equals(format) || ("auto".equals(format) && file.toString().toLowerCase().endsWith(".csv"));
        final ApiClient client = root.client();
        final ExecutorService senders = Executors.newFixedThreadPool(parallel);
        final List<Future<int[]>> inFlight = new ArrayList<>();
        final java.util.concurrent.atomic.AtomicLong rateLimited = new java.util.concurrent.atomic.AtomicLong();
        final long start = System.nanoTime();
        long lines = 0;
        long created = 0;
        long failed = 0;
        long expired = 0;
        final java.util.concurrent.atomic.AtomicLong unchanged = new java.util.concurrent.atomic.AtomicLong();
        final long nowMs = System.currentTimeMillis();
        int shownFailures = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            List<Map<String, Object>> items = new ArrayList<>();
            List<Long> lineNumbers = new ArrayList<>();
            String line;
            boolean eof = false;
            while (!eof)
            {
                line = in.readLine();
                eof = line == null;
                if (!eof)
                {
                    lines++;
                    final LinkFile.Parsed parsed = LinkFile.parse(line, csv, nowMs);
                    if (parsed.problem() != null)
                    {
                        failed++;
                        synchronized (root)
                        {
                            root.err().println("line " + lines + ": " + parsed.problem());
                        }
                    }
                    else if (parsed.item() != null)
                    {
                        items.add(parsed.item());
                        lineNumbers.add(lines);
                    }
                    else if (parsed.skip().startsWith("expired"))
                    {
                        expired++;
                    }
                }
                if (items.size() == batch || (eof && !items.isEmpty()))
                {
                    final List<Map<String, Object>> send = items;
                    final List<Long> numbers = lineNumbers;
                    inFlight.add(senders.submit(() -> sendBatch(client, send, numbers, rateLimited, unchanged)));
                    items = new ArrayList<>();
                    lineNumbers = new ArrayList<>();
                }
                while (inFlight.size() >= parallel || (eof && !inFlight.isEmpty()))
                {
                    final int[] result = inFlight.remove(0).get();
                    created += result[0];
                    failed += result[1];
                    progress(lines, created, failed, start, false);
                }
            }
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof ApiClient.Failure)
            {
                throw (ApiClient.Failure)ex.getCause();
            }
            throw new IOException(ex.getCause());
        }
        finally
        {
            senders.shutdownNow();
        }
        progress(lines, created, failed, start, true);
        if (unchanged.get() > 0 || expired > 0)
        {
            root.err().println("unchanged: " + unchanged.get() + " links already there as the file says; skipped: " + expired +
                " links already expired");
        }
        if (rateLimited.get() > 0)
        {
            root.err().println("the key's rate limit held back " + rateLimited.get() + " requests; each was sent again after the wait it asked for");
        }
        return failed == 0 ? 0 : 1;
    }

    /**
     * @return {created, failed}; prints each failure with its line number to stderr. A link already there
     * exactly as asked (the server's {@code "identical": true} on its 409) is counted in {@code unchanged}.
     */
    private int[] sendBatch(final ApiClient client, final List<Map<String, Object>> items, final List<Long> lineNumbers,
        final java.util.concurrent.atomic.AtomicLong rateLimited, final java.util.concurrent.atomic.AtomicLong unchanged)
        throws ApiClient.Failure
    {
        JsonNode answer = null;
        while (answer == null)
        {
            try
            {
                answer = client.call("POST", "/api/v1/links/bulk", Map.of("links", items));
            }
            catch (final ApiClient.Failure ex)
            {
                if (ex.status != 429)
                {
                    throw ex;
                }
                rateLimited.incrementAndGet(); // the key's limit: wait as the server asks, then send the batch again
                try
                {
                    Thread.sleep(1000L * Math.max(1, ex.retryAfterSeconds));
                }
                catch (final InterruptedException stop)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
        final JsonNode results = answer.get("results");
        int failed = 0;
        int same = 0;
        for (int i = 0; i < results.size(); i++)
        {
            final JsonNode problem = results.get(i).get("problem");
            if (problem != null && problem.path("identical").asBoolean(false))
            {
                same++;
            }
            else if (problem != null)
            {
                failed++;
                synchronized (root)
                {
                    root.err().println("line " + lineNumbers.get(i) + ": " + problem.path("detail").asText() +
                        " [" + problem.path("rule").asText() + "]");
                }
            }
        }
        unchanged.addAndGet(same);
        return new int[] {results.size() - failed - same, failed};
    }

    private void progress(final long lines, final long created, final long failed, final long startNs, final boolean done)
    {
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final String text = String.format("%,d lines, %,d created, %,d failed, %.1f s (%,.0f links/s)",
            lines, created, failed, seconds, seconds > 0 ? created / seconds : 0.0);
        final PrintWriter err = root.err();
        synchronized (root)
        {
            if (done)
            {
                err.println("\rimported: " + text);
            }
            else
            {
                err.print("\r" + text);
            }
            err.flush();
        }
    }

    @Command(name = "export", description = {
        "Write your live links, one a line after a header: code, url, redirect, domain, forwardQuery,",
        "expiresAt, disabledReason, tab-separated (importable by 'links import' and 'bounce edge --import').",
        "Rules and click limits are not in this file: 'links get CODE --json' shows them."})
    int export(
        @Parameters(paramLabel = "FILE", arity = "0..1", description = "output file; default: standard output") final Path file,
        @Option(names = "--domain", paramLabel = "DOMAIN", description = "only this domain") final String domain) throws IOException, ApiClient.Failure
    {
        final ApiClient client = root.client();
        long count = 0;
        final Writer out = file == null ? root.out() : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        try
        {
            out.write(LinkFile.HEADER + '\n');
            String cursor = null;
            do
            {
                final JsonNode page = client.call("GET", "/api/v1/links?limit=1000" +
                    (domain == null ? "" : "&domain=" + ApiClient.q(domain)) + (cursor == null ? "" : "&cursor=" + cursor), null);
                for (final JsonNode link : page.get("items"))
                {
                    out.write(LinkFile.line(link));
                    count++;
                }
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            }
            while (cursor != null);
            out.flush();
        }
        finally
        {
            if (file != null)
            {
                out.close();
            }
        }
        if (file != null)
        {
            root.err().println("exported " + count + " links to " + file);
        }
        return 0;
    }
}
