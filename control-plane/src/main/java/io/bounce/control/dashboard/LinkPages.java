package io.bounce.control.dashboard;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.api.ApiResponse;
import io.bounce.control.links.LinkRuleSpec;
import io.bounce.runtime.http.Problem;

/**
 * {@code /links}: the account's links (an admin's: everyone's), searched by code, URL, domain or tag (or those with one
 * tag), newest or oldest first, 25 a page behind the API's cursor; {@code /links/new}: the form that makes one, with the API's problem shown
 * next to the field it names; {@code /links/DOMAIN/CODE/…}: one link ({@link LinkPage}).
 */
final class LinkPages
{
    private static final int PAGE = 25;

    private final Dashboard dashboard;
    private final LinkPage one;

    LinkPages(final Dashboard dashboard, final long refreshMs)
    {
        this.dashboard = dashboard;
        this.one = new LinkPage(dashboard, refreshMs);
    }

    CompletableFuture<ApiResponse> handle(final Dashboard.Visit visit, final String[] parts, final Map<String, String> form)
    {
        final boolean post = visit.request().method().equals("POST");
        if (parts.length == 2 && !post)
        {
            return list(visit);
        }
        if (parts.length == 3 && parts[2].equals("new"))
        {
            return post ? create(visit, form) : Dashboard.done(newForm(visit, Map.of(), null, 200));
        }
        if (parts.length == 4 || parts.length == 5)
        {
            return one.handle(visit, parts, form);
        }
        throw Problem.notFound("there is no page here");
    }

    private CompletableFuture<ApiResponse> list(final Dashboard.Visit visit)
    {
        final String search = blankToNull(visit.request().query("q"));
        final String sort = "oldest".equals(visit.request().query("sort")) ? "oldest" : "newest";
        final String cursor = blankToNull(visit.request().query("cursor"));
        final String tag = blankToNull(visit.request().query("tag"));
        return dashboard.call(visit, "GET", "/api/v1/links", null, "search", search, "tag", tag, "sort", sort, "cursor", cursor,
            "limit", Integer.toString(PAGE)).thenApply(answer ->
        {
            final Html main = new Html().raw("<h1>Links</h1>")
                .raw("<form class=\"toolbar\" method=\"get\" action=\"/links\" role=\"search\">")
                .raw("<label for=\"q\">Search by code, URL, domain or tag</label><input id=\"q\" name=\"q\" type=\"search\" maxlength=\"200\"")
                .attr("value", search == null ? "" : search).raw(">")
                .raw("<label for=\"sort\">Order</label><select id=\"sort\" name=\"sort\">")
                .raw("<option value=\"newest\"").raw(sort.equals("newest") ? " selected" : "").raw(">Newest first</option>")
                .raw("<option value=\"oldest\"").raw(sort.equals("oldest") ? " selected" : "").raw(">Oldest first</option></select>")
                .raw("<button type=\"submit\">Search</button></form>");
            if (tag != null)
            {
                main.raw("<p>Links tagged <strong>").text(tag).raw("</strong>. <a href=\"/links\">Show every link</a></p>");
            }
            if (answer.status() != 200)
            {
                final JsonNode problem = Dashboard.json(answer);
                main.raw("<p class=\"error\" role=\"alert\">").text(problem.path("detail").asText()).raw("</p>");
                return dashboard.page(answer.status(), visit, "Links", "/links", main);
            }
            final JsonNode page = Dashboard.json(answer);
            final JsonNode items = page.path("items");
            if (items.isEmpty())
            {
                main.raw("<p>").text(search == null ? "No links yet." : "No link matches that search.")
                    .raw(" <a href=\"/links/new\">Make a link</a>.</p>");
            }
            else
            {
                main.raw("<div class=\"scroll\"><table class=\"links\"><caption class=\"visually-hidden\">Your links</caption><thead><tr>")
                    .raw("<th scope=\"col\">Short link</th><th scope=\"col\">Destination</th><th scope=\"col\">Created</th>")
                    .raw("<th scope=\"col\">Tags</th><th scope=\"col\">State</th></tr></thead><tbody>");
                for (final JsonNode link : items)
                {
                    main.raw("<tr><td><a").attr("href", "/links/" + link.path("domain").asText() + "/" + link.path("code").asText())
                        .raw(">").text(link.path("domain").asText() + "/" + link.path("code").asText()).raw("</a></td>")
                        .raw("<td class=\"url\">").text(shorten(link.path("url").asText(), 80)).raw("</td><td>")
                        .raw("<time").attr("datetime", link.path("createdAt").asText()).raw(">").text(day(link.path("createdAt").asText()))
                        .raw("</time></td><td>");
                    tags(main, link);
                    main.raw("</td><td>").text(state(link, visit.nowMs())).raw("</td></tr>");
                }
                main.raw("</tbody></table></div>");
            }
            final JsonNode next = page.path("nextCursor");
            if (next.isTextual())
            {
                final StringBuilder href = new StringBuilder("/links?sort=").append(sort).append("&cursor=").append(next.asText());
                if (search != null)
                {
                    href.append("&q=").append(Dashboard.encode(search));
                }
                if (tag != null)
                {
                    href.append("&tag=").append(Dashboard.encode(tag));
                }
                main.raw("<nav aria-label=\"Pages\"><a rel=\"next\"").attr("href", href.toString()).raw(">Next page</a></nav>");
            }
            return dashboard.page(200, visit, "Links", "/links", main);
        });
    }

    /** A link's tags, each a link to the links that carry it. */
    static void tags(final Html main, final JsonNode link)
    {
        boolean first = true;
        for (final JsonNode tag : link.path("tags"))
        {
            main.raw(first ? "" : " ").raw("<a class=\"tag\"").attr("href", "/links?tag=" + Dashboard.encode(tag.asText()))
                .raw(">").text(tag.asText()).raw("</a>");
            first = false;
        }
    }

    /** The comma-separated tags of a form field, as the API takes them. */
    static com.fasterxml.jackson.databind.node.ArrayNode tagList(final String field)
    {
        final com.fasterxml.jackson.databind.node.ArrayNode tags = Dashboard.JSON.createArrayNode();
        for (final String tag : (field == null ? "" : field).split(","))
        {
            if (!tag.isBlank())
            {
                tags.add(tag.strip());
            }
        }
        return tags;
    }

    /** What a link is now, in words. */
    static String state(final JsonNode link, final long nowMs)
    {
        if (link.path("disabled").asBoolean())
        {
            return "Taken down";
        }
        if (link.path("limitReached").asBoolean())
        {
            return "Click limit reached";
        }
        final String expires = link.path("expiresAt").asText(null);
        if (expires != null && Instant.parse(expires).toEpochMilli() <= nowMs)
        {
            return "Expired";
        }
        return link.path("passwordProtected").asBoolean() ? "Active, password" : "Active";
    }

    private CompletableFuture<ApiResponse> create(final Dashboard.Visit visit, final Map<String, String> form)
    {
        final ObjectNode body = Dashboard.JSON.createObjectNode();
        try
        {
            body.put("url", form.getOrDefault("url", "").strip());
            putText(body, "alias", form.get("alias"));
            putText(body, "domain", form.get("domain"));
            final String expires = blankToNull(form.get("expiresAt"));
            if (expires != null)
            {
                body.put("expiresAt", expires.length() == 16 ? expires + ":00Z" : expires); // datetime-local, read as UTC
            }
            if (blankToNull(form.get("redirect")) != null)
            {
                body.put("redirect", Integer.parseInt(form.get("redirect")));
            }
            body.put("forwardQuery", form.containsKey("forwardQuery"));
            if (blankToNull(form.get("maxClicks")) != null)
            {
                body.put("maxClicks", Long.parseLong(form.get("maxClicks").strip()));
            }
            putText(body, "password", form.get("password"));
            if (blankToNull(form.get("tags")) != null)
            {
                body.set("tags", tagList(form.get("tags")));
            }
            final String rules = blankToNull(form.get("rules"));
            if (rules != null)
            {
                final JsonNode parsed = Dashboard.JSON.readTree(rules);
                if (!parsed.isObject())
                {
                    return Dashboard.done(newForm(visit, form, fieldProblem("rules", "rules must be a JSON object"), 400));
                }
                parsed.fields().forEachRemaining(field ->
                {
                    if (!LinkRuleSpec.FIELDS.contains(field.getKey()))
                    {
                        throw Problem.badRequest("rules-invalid", "rules may hold only " + String.join(", ", LinkRuleSpec.FIELDS))
                            .with("field", "rules");
                    }
                    body.set(field.getKey(), field.getValue());
                });
            }
        }
        catch (final NumberFormatException ex)
        {
            return Dashboard.done(newForm(visit, form, fieldProblem("maxClicks", "must be a whole number"), 400));
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException ex)
        {
            return Dashboard.done(newForm(visit, form, fieldProblem("rules", "rules are not valid JSON: " + ex.getOriginalMessage()), 400));
        }
        catch (final Problem problem)
        {
            return Dashboard.done(newForm(visit, form, (ObjectNode)problem.toJsonTree(), 400));
        }
        return dashboard.call(visit, "POST", "/api/v1/links", body).thenApply(answer ->
        {
            if (answer.status() == 201)
            {
                final JsonNode link = Dashboard.json(answer);
                return Dashboard.redirect("/links/" + link.path("domain").asText() + "/" + link.path("code").asText() + "?created=1");
            }
            return newForm(visit, form, (ObjectNode)Dashboard.json(answer), answer.status());
        });
    }

    private static ObjectNode fieldProblem(final String field, final String detail)
    {
        return Dashboard.JSON.createObjectNode().put("title", "Bad request").put("detail", detail).put("field", field);
    }

    /** The form a field of the API's problem belongs to (the rules' fields are one textarea), or null for none. */
    static String fieldOf(final JsonNode problem)
    {
        final String field = problem.path("field").asText("");
        if (field.equals("password") || field.equals("maxClicks") || field.equals("rules") || field.equals("tags"))
        {
            return field;
        }
        if (!field.isEmpty())
        {
            return "rules";
        }
        final String rule = problem.path("rule").asText("");
        for (final String[] prefix : new String[][] {{"url-", "url"}, {"alias-", "alias"}, {"domain-", "domain"},
            {"expires-", "expiresAt"}, {"redirect-", "redirect"}, {"max-clicks", "maxClicks"}, {"rules-", "rules"}})
        {
            if (rule.startsWith(prefix[0]))
            {
                return prefix[1];
            }
        }
        return null;
    }

    private ApiResponse newForm(final Dashboard.Visit visit, final Map<String, String> values, final ObjectNode problem, final int status)
    {
        final String errorField = problem == null ? null : fieldOf(problem);
        final Html main = new Html().raw("<h1>New link</h1>");
        if (problem != null)
        {
            main.message(false, problem.path("detail").asText("that did not work"));
        }
        main.raw("<form method=\"post\" action=\"/links/new\" class=\"stack\" novalidate>").csrf(visit.csrf());
        field(main, "url", "Destination URL", "url", values, errorField, " required maxlength=\"2048\" placeholder=\"https://\"");
        field(main, "alias", "Alias (optional: a code of your own)", "text", values, errorField, " maxlength=\"64\" autocomplete=\"off\"");
        field(main, "domain", "Domain (optional: the default if empty)", "text", values, errorField, " maxlength=\"253\" autocomplete=\"off\"");
        field(main, "expiresAt", "Expires (UTC, optional)", "datetime-local", values, errorField, "");
        main.raw("<label for=\"redirect\">Redirect</label><select id=\"redirect\" name=\"redirect\"")
            .invalidIf("redirect".equals(errorField)).raw(">");
        for (final String[] option : new String[][] {{"", "The service's default"}, {"301", "301 Moved permanently"},
            {"302", "302 Found"}, {"307", "307 Temporary redirect"}, {"308", "308 Permanent redirect"}})
        {
            main.raw("<option").attr("value", option[0]).raw(option[0].equals(values.getOrDefault("redirect", "")) ? " selected" : "")
                .raw(">").text(option[1]).raw("</option>");
        }
        main.raw("</select><div class=\"check\"><input type=\"checkbox\" id=\"forwardQuery\" name=\"forwardQuery\" value=\"on\"")
            .raw(values.containsKey("forwardQuery") ? " checked" : "")
            .raw("><label for=\"forwardQuery\">Pass the short link's query string on to the destination</label></div>");
        field(main, "tags", "Tags (optional, comma-separated)", "text", values, errorField, " maxlength=\"400\" autocomplete=\"off\"");
        field(main, "maxClicks", "Click limit (optional)", "number", values, errorField, " min=\"1\" step=\"1\" inputmode=\"numeric\"");
        field(main, "password", "Password visitors must give (optional)", "password", Map.of(), errorField,
            " autocomplete=\"new-password\" maxlength=\"128\"");
        main.raw("<label for=\"rules\">Rules (optional JSON: targets, variants, expiredUrl, og, utm; see docs/link-rules.md)</label>")
            .raw("<textarea id=\"rules\" name=\"rules\" rows=\"6\" spellcheck=\"false\"")
            .invalidIf("rules".equals(errorField))
            .raw(" placeholder='{\"targets\": [{\"if\": {\"device\": \"mobile\"}, \"url\": \"https://m.example.com/\"}]}'>")
            .text(values.getOrDefault("rules", "")).raw("</textarea>")
            .raw("<button type=\"submit\">Create link</button></form>");
        return dashboard.page(status, visit, "New link", "/links/new", main);
    }

    private static void field(final Html main, final String name, final String label, final String type, final Map<String, String> values,
        final String errorField, final String extra)
    {
        main.raw("<label").attr("for", name).raw(">").text(label).raw("</label><input").attr("id", name).attr("name", name).attr("type", type)
            .attr("value", values.getOrDefault(name, "")).raw(extra).invalidIf(name.equals(errorField)).raw(">");
    }

    private static void putText(final ObjectNode body, final String name, final String value)
    {
        final String text = blankToNull(value);
        if (text != null)
        {
            body.put(name, name.equals("password") ? text : text.strip());
        }
    }

    static String blankToNull(final String value)
    {
        return value == null || value.isBlank() ? null : value;
    }

    static String shorten(final String text, final int max)
    {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    /** An RFC 3339 instant as its UTC day and minute. */
    static String day(final String instant)
    {
        return instant.length() >= 16 ? instant.substring(0, 10) + " " + instant.substring(11, 16) + " UTC" : instant;
    }
}
