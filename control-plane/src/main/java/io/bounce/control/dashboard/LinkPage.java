package io.bounce.control.dashboard;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.api.ApiResponse;
import io.bounce.runtime.http.Problem;

/**
 * One link: {@code GET /links/DOMAIN/CODE} shows it with its clicks (hour, day or week: the last 48 hours, 30 days or
 * 26 weeks) and its QR code; {@code report.json} is the same report for the page's refresh; {@code clicks.csv} exports
 * it; {@code qr.svg} and {@code qr.png} are the code; {@code edit}, {@code delete} and {@code takedown} (admins) are
 * the forms' POSTs. What a link is and who may see it is the API's: another account's link is a 404 here as there.
 */
final class LinkPage
{
    private static final long HOUR_MS = 3_600_000L;
    private static final String[][] BREAKDOWNS = {{"referrers", "Top referrers", "Referrer"}, {"countries", "Countries", "Country"},
        {"browsers", "Browsers", "Browser"}, {"oses", "Operating systems", "OS"}, {"devices", "Devices", "Device"}};

    private final Dashboard dashboard;
    private final long refreshMs;

    LinkPage(final Dashboard dashboard, final long refreshMs)
    {
        this.dashboard = dashboard;
        this.refreshMs = refreshMs;
    }

    CompletableFuture<ApiResponse> handle(final Dashboard.Visit visit, final String[] parts, final Map<String, String> form)
    {
        final String domain = parts[2];
        final String code = parts[3];
        final String action = parts.length == 5 ? parts[4] : "";
        final boolean post = visit.request().method().equals("POST");
        final String granularity = granularity(visit.request().query("granularity"));
        switch (post ? "POST " + action : action)
        {
            case "":
                return show(visit, domain, code, granularity, null);
            case "report.json":
                return report(visit, domain, code, granularity); // the API's answer as it is: the page's script reads it
            case "clicks.csv":
                return report(visit, domain, code, granularity).thenApply(answer -> answer.status() != 200 ? dashboard.problemPage(visit, answer)
                    : new ApiResponse(200, "text/csv; charset=utf-8", ClicksCsv.write(Dashboard.json(answer)))
                        .header("Content-Disposition", "attachment; filename=\"" + code + "-clicks-" + granularity + ".csv\""));
            case "qr.svg":
            case "qr.png":
                final String format = action.substring(3);
                return dashboard.call(visit, "GET", "/api/v1/links/" + code + "/qr", null, "domain", domain, "format", format)
                    .thenApply(answer -> answer.status() != 200 ? dashboard.problemPage(visit, answer)
                        : answer.header("Content-Disposition", (visit.request().query("download") != null ? "attachment" : "inline") +
                            "; filename=\"" + code + "." + format + "\""));
            case "POST edit":
                final ObjectNode patch = Dashboard.JSON.createObjectNode().put("url", form.getOrDefault("url", "").strip());
                return changed(visit, domain, code, granularity, dashboard.call(visit, "PATCH", "/api/v1/links/" + code, patch, "domain", domain),
                    "?saved=1");
            case "POST delete":
                return dashboard.call(visit, "DELETE", "/api/v1/links/" + code, null, "domain", domain).thenCompose(answer ->
                    answer.status() == 204 ? Dashboard.done(Dashboard.redirect("/links")) : show(visit, domain, code, granularity, answer));
            case "POST tags":
                final ObjectNode tags = Dashboard.JSON.createObjectNode();
                tags.set("tags", LinkPages.tagList(form.get("tags")));
                return changed(visit, domain, code, granularity, dashboard.call(visit, "PATCH", "/api/v1/links/" + code, tags, "domain", domain),
                    "?saved=1");
            case "POST takedown":
                final ObjectNode reason = Dashboard.JSON.createObjectNode().put("reason", form.getOrDefault("reason", "").strip());
                return changed(visit, domain, code, granularity,
                    dashboard.call(visit, "POST", "/api/v1/links/" + code + "/takedown", reason, "domain", domain), "?taken-down=1");
            default:
                throw Problem.notFound("there is no page here");
        }
    }

    private CompletableFuture<ApiResponse> changed(final Dashboard.Visit visit, final String domain, final String code, final String granularity,
        final CompletableFuture<ApiResponse> change, final String note)
    {
        return change.thenCompose(answer -> answer.status() < 300
            ? Dashboard.done(Dashboard.redirect("/links/" + domain + "/" + code + note))
            : show(visit, domain, code, granularity, answer));
    }

    static String granularity(final String asked)
    {
        return "hour".equals(asked) || "week".equals(asked) ? asked : "day";
    }

    private CompletableFuture<ApiResponse> report(final Dashboard.Visit visit, final String domain, final String code, final String granularity)
    {
        final long to = visit.nowMs() + 1;
        final long span = switch (granularity)
        {
            case "hour" -> 48 * HOUR_MS;
            case "week" -> 26 * 7 * 24 * HOUR_MS;
            default -> 30 * 24 * HOUR_MS;
        };
        return dashboard.call(visit, "GET", "/api/v1/links/" + code + "/analytics", null, "domain", domain, "granularity", granularity,
            "from", Instant.ofEpochMilli(to - span).toString(), "to", Instant.ofEpochMilli(to).toString());
    }

    /** The page; {@code failed} is a change the API refused, shown above it (with its status). */
    private CompletableFuture<ApiResponse> show(final Dashboard.Visit visit, final String domain, final String code, final String granularity,
        final ApiResponse failed)
    {
        final CompletableFuture<ApiResponse> link = dashboard.call(visit, "GET", "/api/v1/links/" + code, null, "domain", domain);
        final boolean mayRead = visit.key().has(io.bounce.control.keys.Scope.ANALYTICS_READ);
        final CompletableFuture<ApiResponse> clicks = mayRead ? report(visit, domain, code, granularity) : Dashboard.done(null);
        return link.thenCombine(clicks, (linkAnswer, report) ->
        {
            if (linkAnswer.status() != 200)
            {
                return dashboard.problemPage(visit, linkAnswer);
            }
            return render(visit, Dashboard.json(linkAnswer), report, granularity, failed);
        });
    }

    private ApiResponse render(final Dashboard.Visit visit, final JsonNode link, final ApiResponse report, final String granularity,
        final ApiResponse failed)
    {
        final String domain = link.path("domain").asText();
        final String code = link.path("code").asText();
        final String base = "/links/" + domain + "/" + code;
        final String shortUrl = link.path("shortUrl").asText();
        final Html main = new Html().raw("<h1>").text(domain + "/" + code).raw("</h1>");
        if (failed != null)
        {
            main.message(false, Dashboard.json(failed).path("detail").asText());
        }
        else if (visit.request().query("created") != null || visit.request().query("saved") != null)
        {
            main.message(true, visit.request().query("created") != null ? "Link created." : "Saved.");
        }
        main.raw("<dl class=\"facts\"><dt>Short link</dt><dd><a").attr("href", shortUrl).raw(">").text(shortUrl).raw("</a></dd>")
            .raw("<dt>Destination</dt><dd class=\"url\" id=\"destination\">").text(link.path("url").asText()).raw("</dd>")
            .raw("<dt>State</dt><dd>").text(LinkPages.state(link, visit.nowMs())).raw("</dd>")
            .raw("<dt>Created</dt><dd>").text(LinkPages.day(link.path("createdAt").asText())).raw("</dd>")
            .raw("<dt>Expires</dt><dd>").text(link.path("expiresAt").isTextual() ? LinkPages.day(link.path("expiresAt").asText()) : "Never")
            .raw("</dd><dt>Redirect</dt><dd>").text(link.path("redirect").asText()).raw("</dd><dt>Tags</dt><dd>");
        LinkPages.tags(main, link);
        main.raw(link.path("tags").isEmpty() ? "None" : "").raw("</dd></dl>");
        editForm(main, visit, link, base, failed);
        clicksSection(main, base, report, granularity);
        main.raw("<section aria-labelledby=\"qr-heading\"><h2 id=\"qr-heading\">QR code</h2><img class=\"qr\" width=\"192\" height=\"192\"")
            .attr("src", base + "/qr.svg").attr("alt", "QR code for " + shortUrl).raw("><p class=\"actions\"><a")
            .attr("href", base + "/qr.svg?download=1").raw(" download>Download SVG</a> <a").attr("href", base + "/qr.png?download=1")
            .raw(" download>Download PNG</a></p></section>");
        final StringBuilder tagText = new StringBuilder();
        link.path("tags").forEach(tag -> tagText.append(tagText.length() == 0 ? "" : ", ").append(tag.asText()));
        main.raw("<section aria-labelledby=\"manage-heading\"><h2 id=\"manage-heading\">Manage</h2>")
            .raw("<form method=\"post\" class=\"stack\"").attr("action", base + "/tags").raw(">").csrf(visit.csrf())
            .raw("<label for=\"tags\">Tags (comma-separated; change them any time)</label><input id=\"tags\" name=\"tags\" type=\"text\"")
            .raw(" maxlength=\"400\" autocomplete=\"off\"").attr("value", tagText).raw("><button type=\"submit\" class=\"secondary\">Save tags</button></form>")
            .raw("<form method=\"post\" class=\"inline\"").attr("action", base + "/delete").raw(">").csrf(visit.csrf())
            .raw("<button type=\"submit\" class=\"danger\">Delete link</button></form>");
        if (visit.account().isAdmin() && !link.path("disabled").asBoolean())
        {
            main.raw("<form method=\"post\" class=\"stack\"").attr("action", base + "/takedown").raw(">").csrf(visit.csrf())
                .raw("<label for=\"reason\">Takedown reason (the edges answer 451)</label>")
                .raw("<input id=\"reason\" name=\"reason\" type=\"text\" required maxlength=\"500\">")
                .raw("<button type=\"submit\" class=\"danger\">Take down</button></form>");
        }
        main.raw("</section>");
        return dashboard.page(200, visit, domain + "/" + code, null, main);
    }

    private static void editForm(final Html main, final Dashboard.Visit visit, final JsonNode link, final String base, final ApiResponse failed)
    {
        final String until = link.path("editableUntil").asText();
        final boolean open = Instant.parse(until).toEpochMilli() > visit.nowMs() && !link.path("disabled").asBoolean();
        main.raw("<section aria-labelledby=\"edit-heading\"><h2 id=\"edit-heading\">Destination</h2>");
        if (!open)
        {
            main.raw("<p id=\"edit-window\">The edit window closed at ").text(LinkPages.day(until))
                .raw(": the destination can no longer change.</p></section>");
            return;
        }
        main.raw("<p id=\"edit-window\" aria-live=\"polite\"").attr("data-until", until).attr("data-now", Instant.ofEpochMilli(visit.nowMs()))
            .raw(">You can change the destination until ").text(LinkPages.day(until)).raw(".</p>")
            .raw("<form method=\"post\" class=\"stack\" id=\"edit-form\"").attr("action", base + "/edit").raw(">").csrf(visit.csrf())
            .raw("<label for=\"url\">New destination URL</label><input id=\"url\" name=\"url\" type=\"url\" required maxlength=\"2048\"")
            .attr("value", link.path("url").asText())
            .invalidIf(failed != null)
            .raw("><button type=\"submit\">Save destination</button></form></section>");
    }

    private void clicksSection(final Html main, final String base, final ApiResponse report, final String granularity)
    {
        main.raw("<section aria-labelledby=\"clicks-heading\" id=\"clicks\"").attr("data-report", base + "/report.json?granularity=" + granularity)
            .attr("data-refresh-ms", refreshMs).attr("data-granularity", granularity).raw("><h2 id=\"clicks-heading\">Clicks</h2>");
        if (report == null)
        {
            main.raw("<p>This account may not read analytics.</p></section>");
            return;
        }
        if (report.status() != 200)
        {
            main.raw("<p class=\"error\" role=\"alert\">").text(Dashboard.json(report).path("detail").asText()).raw("</p></section>");
            return;
        }
        final JsonNode json = Dashboard.json(report);
        main.raw("<nav class=\"tabs\" aria-label=\"Clicks per\"><ul>");
        for (final String g : new String[] {"hour", "day", "week"})
        {
            main.raw("<li><a").attr("href", base + "?granularity=" + g).raw(g.equals(granularity) ? " aria-current=\"page\"" : "").raw(">")
                .text("Per " + g).raw("</a></li>");
        }
        main.raw("</ul></nav><div class=\"figures\">")
            .raw("<p><span class=\"figure\" data-stat=\"clicks\">").text(json.path("clicks").asLong()).raw("</span> clicks</p>")
            .raw("<p><span class=\"figure\" data-stat=\"uniqueVisitors\">").text(json.path("uniqueVisitors").asLong()).raw("</span> unique visitors</p>")
            .raw("<p><span class=\"figure\" data-stat=\"botClicks\">").text(json.path("botClicks").asLong())
            .raw("</span> bots and previews (not counted as clicks)</p></div>")
            .raw("<div id=\"chart\" class=\"chart\" role=\"img\"").attr("aria-label", "Clicks per " + granularity + ": people and bots, " +
                json.path("clicks").asLong() + " clicks in all").raw("></div>")
            .raw("<p class=\"actions\"><button type=\"button\" id=\"refresh\" class=\"secondary\">Refresh now</button> ")
            .raw("<span id=\"updated\" role=\"status\" aria-live=\"polite\"></span> <a").attr("href", base + "/clicks.csv?granularity=" + granularity)
            .raw(" download>Export CSV</a></p>")
            .raw("<script type=\"application/json\" id=\"report\">").raw(Html.scriptJson(json.toString())).raw("</script>");
        main.raw("<details><summary>Clicks per ").text(granularity).raw(" as a table</summary><div class=\"scroll\"><table id=\"timeline\">")
            .raw("<thead><tr><th scope=\"col\">Starting</th><th scope=\"col\">Clicks</th><th scope=\"col\">Bots</th></tr></thead><tbody>");
        for (final JsonNode bucket : json.path("timeline"))
        {
            main.raw("<tr><td>").text(LinkPages.day(bucket.path("start").asText())).raw("</td><td>").text(bucket.path("clicks").asLong())
                .raw("</td><td>").text(bucket.path("botClicks").asLong()).raw("</td></tr>");
        }
        main.raw("</tbody></table></div></details><div class=\"breakdowns\">");
        for (final String[] breakdown : BREAKDOWNS)
        {
            main.raw("<div class=\"scroll\"><table").attr("data-breakdown", breakdown[0]).raw("><caption>").text(breakdown[1])
                .raw("</caption><thead><tr><th scope=\"col\">").text(breakdown[2]).raw("</th><th scope=\"col\">Clicks</th></tr></thead><tbody>");
            int shown = 0;
            for (final JsonNode entry : json.path(breakdown[0]))
            {
                if (shown++ == 10)
                {
                    break;
                }
                main.raw("<tr><td>").text(entry.path("name").asText().isEmpty() ? "(none)" : entry.path("name").asText()).raw("</td><td>")
                    .text(entry.path("clicks").asLong()).raw("</td></tr>");
            }
            main.raw("</tbody></table></div>");
        }
        main.raw("</div></section>");
    }

    /** A link's report as CSV: one row per timeline bucket, then one per breakdown entry. */
    static final class ClicksCsv
    {
        private ClicksCsv()
        {
        }

        static byte[] write(final JsonNode report)
        {
            final StringBuilder out = new StringBuilder("section,name,clicks,bot_clicks\r\n");
            row(out, "total", "clicks", report.path("clicks").asText(), report.path("botClicks").asText());
            row(out, "total", "unique_visitors", report.path("uniqueVisitors").asText(), "");
            for (final JsonNode bucket : report.path("timeline"))
            {
                row(out, "timeline", bucket.path("start").asText(), bucket.path("clicks").asText(), bucket.path("botClicks").asText());
            }
            for (final String[] breakdown : BREAKDOWNS)
            {
                for (final JsonNode entry : report.path(breakdown[0]))
                {
                    row(out, breakdown[0], entry.path("name").asText(), entry.path("clicks").asText(), "");
                }
            }
            return out.toString().getBytes(StandardCharsets.UTF_8);
        }

        private static void row(final StringBuilder out, final String... cells)
        {
            for (int i = 0; i < cells.length; i++)
            {
                out.append(i == 0 ? "" : ",").append(cell(cells[i]));
            }
            out.append("\r\n");
        }

        /** RFC 4180 quoting, and a leading {@code '} before what a spreadsheet would run as a formula (a referrer is anyone's text). */
        static String cell(final String value)
        {
            String text = value;
            if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0)
            {
                text = "'" + text;
            }
            if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || !text.equals(value))
            {
                return "\"" + text.replace("\"", "\"\"") + "\"";
            }
            return text;
        }
    }
}
