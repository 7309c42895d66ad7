package io.bounce.control.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.ControlMetrics;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;
import io.bounce.control.links.LinkService;
import io.bounce.control.links.LinkRuleSpec;
import io.bounce.control.links.LinkSpec;
import io.bounce.control.links.QrCodes;
import io.bounce.control.store.LinkRow;
import io.bounce.runtime.http.Problem;

/** {@code /api/v1/links}: create (one or in bulk), read, list, change and delete links. */
final class LinkResource
{
    private static final Set<String> CREATE_FIELDS = fields("url", "alias", "domain", "expiresAt", "redirect", "forwardQuery", "disabledReason",
        "maxClicks", "tags");
    private static final Set<String> UPDATE_FIELDS = fields("url", "expiresAt", "redirect", "forwardQuery", "maxClicks", "tags");
    private static final Set<String> BULK_FIELDS = Set.of("links");
    private static final int MAX_PAGE = 1000;
    private static final int MAX_SEARCH = 200;
    private static final Set<String> DOMAIN = Set.of("domain");

    private final LinkService links;
    private final ControlMetrics metrics;
    private final LinkJson json;
    private final int maxBulkItems;

    LinkResource(final ApiContext context, final LinkJson json)
    {
        this.links = context.links();
        this.metrics = context.metrics();
        this.json = json;
        this.maxBulkItems = context.config().maxBulkItems();
    }

    List<Route> routes()
    {
        return List.of(
            new Route("POST", "/api/v1/links", Scope.LINKS_WRITE, this::create),
            new Route("POST", "/api/v1/links/bulk", Scope.LINKS_WRITE, this::bulkCreate),
            new Route("GET", "/api/v1/links", Scope.LINKS_READ, Set.of("domain", "cursor", "limit", "search", "sort", "tag"), this::list),
            new Route("GET", "/api/v1/links/{code}", Scope.LINKS_READ, DOMAIN, this::get),
            new Route("GET", "/api/v1/links/{code}/qr", Scope.LINKS_READ, Set.of("domain", "format", "size", "margin"), this::qr),
            new Route("PATCH", "/api/v1/links/{code}", Scope.LINKS_WRITE, DOMAIN, this::update),
            new Route("DELETE", "/api/v1/links/{code}", Scope.LINKS_WRITE, DOMAIN, this::delete));
    }

    /** The fields named, and every rule field. */
    private static Set<String> fields(final String... names)
    {
        final java.util.Set<String> all = new java.util.HashSet<>(java.util.List.of(names));
        all.addAll(LinkRuleSpec.FIELDS);
        return Set.copyOf(all);
    }

    private static LinkSpec spec(final ObjectNode body)
    {
        final LinkSpec spec = new LinkSpec();
        spec.url = Json.string(body, "url");
        spec.alias = Json.string(body, "alias");
        spec.domain = Json.string(body, "domain");
        spec.hasExpiresAt = body.has("expiresAt");
        spec.expiresAt = Json.timestamp(body, "expiresAt");
        spec.redirect = Json.integer(body, "redirect");
        spec.forwardQuery = Json.bool(body, "forwardQuery");
        spec.disabledReason = Json.string(body, "disabledReason");
        spec.hasMaxClicks = body.has("maxClicks");
        spec.maxClicks = Json.integer(body, "maxClicks");
        spec.hasTags = body.has("tags");
        spec.tags = Json.strings(body, "tags");
        for (final String field : LinkRuleSpec.FIELDS)
        {
            if (body.has(field))
            {
                if (spec.rules == null)
                {
                    spec.rules = Json.MAPPER.createObjectNode();
                }
                spec.rules.set(field, body.get(field));
            }
        }
        return spec;
    }

    private CompletableFuture<ApiResponse> create(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final LinkSpec spec = spec(Json.object(request.body, CREATE_FIELDS));
        return links.create(key, spec).thenApply(row ->
        {
            metrics.created(1);
            return ApiResponse.json(201, json.render(row)).header("Location", "/api/v1/links/" + row.code + "?domain=" + row.domain);
        });
    }

    private CompletableFuture<ApiResponse> bulkCreate(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, BULK_FIELDS);
        final JsonNode items = body.get("links");
        if (items == null || !items.isArray())
        {
            throw Problem.badRequest("json-type", "field 'links' must be an array of link objects");
        }
        if (items.size() > maxBulkItems)
        {
            throw new Problem(413, "bulk-too-large", "Payload too large", "a bulk request may create at most " + maxBulkItems + " links");
        }
        final List<Object> specs = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++)
        {
            final JsonNode item = items.get(i);
            try
            {
                if (!item.isObject())
                {
                    throw Problem.badRequest("json-type", "links[" + i + "] must be an object");
                }
                specs.add(spec(Json.checkFields((ObjectNode)item, CREATE_FIELDS, "links[" + i + "].")));
            }
            catch (final Problem problem)
            {
                specs.add(problem);
            }
        }
        return links.bulk(key, specs).thenApply(results ->
        {
            final ObjectNode out = Json.MAPPER.createObjectNode();
            final ArrayNode array = out.putArray("results");
            int created = 0;
            for (final LinkService.BulkResult result : results)
            {
                final ObjectNode entry = array.addObject();
                if (result.created != null)
                {
                    created++;
                    entry.put("status", 201);
                    entry.set("link", json.render(result.created));
                }
                else
                {
                    metrics.refusal(result.problem.rule());
                    entry.put("status", result.problem.status());
                    entry.set("problem", result.problem.toJsonTree());
                }
            }
            out.put("created", created);
            out.put("failed", results.size() - created);
            metrics.created(created);
            return ApiResponse.json(200, out);
        });
    }

    private CompletableFuture<ApiResponse> get(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final LinkRow row = links.get(key, request.query("domain"), params.get("code"));
        return CompletableFuture.completedFuture(ApiResponse.json(200, json.render(row)));
    }

    /** The short URL as a QR code, SVG (the default) or PNG: for a link the key may read, as GET of the link. */
    private CompletableFuture<ApiResponse> qr(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final String format = request.query("format") == null ? "svg" : request.query("format");
        if (!format.equals("svg") && !format.equals("png"))
        {
            throw Problem.badRequest("qr-format", "format must be svg or png");
        }
        final int size = request.intQuery("size", QrCodes.DEFAULT_SIZE, QrCodes.MIN_SIZE, QrCodes.MAX_SIZE);
        final int margin = request.intQuery("margin", QrCodes.DEFAULT_MARGIN, 0, QrCodes.MAX_MARGIN);
        final LinkRow row = links.get(key, request.query("domain"), params.get("code"));
        final String shortUrl = json.shortUrl(row);
        final ApiResponse answer = format.equals("svg")
            ? new ApiResponse(200, "image/svg+xml", QrCodes.svg(shortUrl, size, margin))
            : new ApiResponse(200, "image/png", QrCodes.png(shortUrl, size, margin));
        // A code's short URL never changes; the image may be kept, by this client only (it needed a key).
        return CompletableFuture.completedFuture(answer.header("Cache-Control", "private, max-age=86400")
            .header("Content-Disposition", "inline; filename=\"" + row.code + "." + format + "\""));
    }

    private CompletableFuture<ApiResponse> list(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final int limit = request.intQuery("limit", 50, 1, MAX_PAGE);
        final String cursorText = request.query("cursor");
        Long cursor = null;
        if (cursorText != null)
        {
            try
            {
                cursor = Long.parseLong(cursorText);
            }
            catch (final NumberFormatException ex)
            {
                throw Problem.badRequest("cursor", "cursor must be the nextCursor of a previous page");
            }
        }
        final String search = request.query("search");
        if (search != null && (search.isBlank() || search.length() > MAX_SEARCH))
        {
            throw Problem.badRequest("query-search", "search must be 1 to " + MAX_SEARCH + " characters");
        }
        final String sort = request.query("sort") == null ? "newest" : request.query("sort");
        if (!sort.equals("newest") && !sort.equals("oldest"))
        {
            throw Problem.badRequest("query-sort", "sort must be newest or oldest");
        }
        final String tag = request.query("tag");
        if (tag != null && (tag.isBlank() || tag.length() > 32 || tag.indexOf(',') >= 0))
        {
            throw Problem.badRequest("query-tag", "tag must be one tag, 1 to 32 characters");
        }
        final LinkService.Page page = links.list(key, request.query("domain"), search, tag, cursor, limit, sort.equals("oldest"));
        final ObjectNode out = Json.MAPPER.createObjectNode();
        final ArrayNode items = out.putArray("items");
        for (final LinkRow row : page.items)
        {
            items.add(json.render(row));
        }
        if (page.nextCursor == null)
        {
            out.putNull("nextCursor");
        }
        else
        {
            out.put("nextCursor", Long.toString(page.nextCursor));
        }
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    private CompletableFuture<ApiResponse> update(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final LinkSpec patch = spec(Json.object(request.body, UPDATE_FIELDS));
        return links.update(key, request.query("domain"), params.get("code"), patch).thenApply(row -> ApiResponse.json(200, json.render(row)));
    }

    private CompletableFuture<ApiResponse> delete(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        return links.delete(key, request.query("domain"), params.get("code")).thenApply(row -> ApiResponse.noContent());
    }
}
