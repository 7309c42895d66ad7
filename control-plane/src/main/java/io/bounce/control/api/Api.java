package io.bounce.control.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.aggregator.ClickAnalytics;
import io.bounce.aggregator.Granularity;
import io.bounce.control.ControlMetrics;
import io.bounce.runtime.http.Problem;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.ApiKeys;
import io.bounce.control.keys.RateLimiter;
import io.bounce.control.keys.Scope;
import io.bounce.control.links.Domains;
import io.bounce.control.links.LinkService;
import io.bounce.control.links.LinkSpec;
import io.bounce.control.store.GroupCommitter;
import io.bounce.control.store.LinkRow;
import io.bounce.control.store.Queries;
import io.bounce.control.store.ReadPool;
import io.bounce.replication.link.LinkRules;

/**
 * The HTTP API under {@code /api/v1}: routing, authentication ({@code Authorization: Bearer KEY}),
 * scopes, rate limits, JSON in and out, and every refusal as {@code application/problem+json}.
 * {@link #routes()} is the list the OpenAPI document is checked against.
 */
public final class Api
{
    static final String JSON = "application/json";

    private static final Set<String> CREATE_FIELDS = Set.of("url", "alias", "domain", "expiresAt", "redirect", "forwardQuery");
    private static final Set<String> UPDATE_FIELDS = Set.of("url", "expiresAt", "redirect", "forwardQuery");
    private static final Set<String> BULK_FIELDS = Set.of("links");
    private static final Set<String> TAKEDOWN_FIELDS = Set.of("reason");
    private static final Set<String> DOMAIN_FIELDS = Set.of("name");
    private static final Set<String> KEY_FIELDS = Set.of("name", "scopes", "ratePerSecond", "burst");
    private static final int MAX_PAGE = 1000;

    /** One route: method, path template ({@code {code}}, {@code {id}}), the scope it needs (null: public). */
    public record Route(String method, String template, Scope scope, Handler handler)
    {
    }

    @FunctionalInterface
    interface Handler
    {
        CompletableFuture<ApiResponse> handle(ApiKey key, ApiRequest request, Map<String, String> params) throws Exception;
    }

    private final LinkService links;
    private final ApiKeys keys;
    private final RateLimiter limiter;
    private final Domains domains;
    private final GroupCommitter writer;
    private final ReadPool readers;
    private final ControlMetrics metrics;
    private final LongSupplier nanoClock;
    private final String shortUrlScheme;
    private final int shortUrlPort;
    private final int maxBulkItems;
    private final ClickAnalytics clicks;
    private final org.agrona.concurrent.EpochClock clock;
    private final List<Route> routes = new ArrayList<>();
    private final byte[] openApi;

    public Api(
        final LinkService links,
        final ApiKeys keys,
        final RateLimiter limiter,
        final Domains domains,
        final GroupCommitter writer,
        final ReadPool readers,
        final ControlMetrics metrics,
        final LongSupplier nanoClock,
        final String shortUrlScheme,
        final int shortUrlPort,
        final int maxBulkItems,
        final ClickAnalytics clicks,
        final org.agrona.concurrent.EpochClock clock)
    {
        this.clicks = clicks;
        this.clock = clock;
        this.links = links;
        this.keys = keys;
        this.limiter = limiter;
        this.domains = domains;
        this.writer = writer;
        this.readers = readers;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.shortUrlScheme = shortUrlScheme;
        this.shortUrlPort = shortUrlPort;
        this.maxBulkItems = maxBulkItems;
        this.openApi = loadOpenApi();

        routes.add(new Route("POST", "/api/v1/links", Scope.LINKS_WRITE, this::createLink));
        routes.add(new Route("POST", "/api/v1/links/bulk", Scope.LINKS_WRITE, this::bulkCreate));
        routes.add(new Route("GET", "/api/v1/links", Scope.LINKS_READ, this::listLinks));
        routes.add(new Route("GET", "/api/v1/links/{code}", Scope.LINKS_READ, this::getLink));
        routes.add(new Route("PATCH", "/api/v1/links/{code}", Scope.LINKS_WRITE, this::updateLink));
        routes.add(new Route("DELETE", "/api/v1/links/{code}", Scope.LINKS_WRITE, this::deleteLink));
        routes.add(new Route("POST", "/api/v1/links/{code}/takedown", Scope.ADMIN, this::takedown));
        routes.add(new Route("GET", "/api/v1/links/{code}/analytics", Scope.ANALYTICS_READ, this::analytics));
        routes.add(new Route("GET", "/api/v1/domains", Scope.LINKS_READ, this::listDomains));
        routes.add(new Route("POST", "/api/v1/domains", Scope.ADMIN, this::addDomain));
        routes.add(new Route("GET", "/api/v1/keys", Scope.ADMIN, this::listKeys));
        routes.add(new Route("POST", "/api/v1/keys", Scope.ADMIN, this::createKey));
        routes.add(new Route("DELETE", "/api/v1/keys/{id}", Scope.ADMIN, this::revokeKey));
        routes.add(new Route("GET", "/api/v1/openapi.json", null,
            (key, request, params) -> CompletableFuture.completedFuture(new ApiResponse(200, JSON, openApi))));
    }

    public List<Route> routes()
    {
        return List.copyOf(routes);
    }

    /** Answer a request; runs on a worker thread, completes on it or on the writer thread. */
    CompletableFuture<ApiResponse> handle(final ApiRequest request)
    {
        CompletableFuture<ApiResponse> answer;
        try
        {
            answer = dispatch(request);
        }
        catch (final Exception ex)
        {
            answer = CompletableFuture.failedFuture(ex);
        }
        return answer.handle((response, failure) ->
        {
            final ApiResponse result = failure == null ? response : problemResponse(failure);
            if (failure != null && result.status >= 400 && result.status < 500)
            {
                metrics.refusal(ruleOf(failure));
            }
            metrics.response(result.status, (nanoClock.getAsLong() - request.receivedNs) / 1000);
            return result;
        });
    }

    private CompletableFuture<ApiResponse> dispatch(final ApiRequest request) throws Exception
    {
        final String[] segments = request.path.split("/", -1);
        final List<String> allowed = new ArrayList<>();
        for (final Route route : routes)
        {
            final Map<String, String> params = match(route.template(), segments);
            if (params == null)
            {
                continue;
            }
            if (!route.method().equals(request.method))
            {
                allowed.add(route.method());
                continue;
            }
            ApiKey key = null;
            if (route.scope() != null)
            {
                key = authenticate(request, route.scope());
            }
            return route.handler().handle(key, request, params);
        }
        if (!allowed.isEmpty())
        {
            throw Problem.methodNotAllowed(request.method, String.join(", ", allowed));
        }
        throw Problem.notFound("no API resource at " + request.path);
    }

    private ApiKey authenticate(final ApiRequest request, final Scope scope)
    {
        final String header = request.authorization;
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            throw new Problem(401, "unauthenticated", "Unauthorized", "send Authorization: Bearer <api key>");
        }
        final ApiKey key = keys.authenticate(header.substring(7).strip());
        if (key == null)
        {
            throw new Problem(401, "unauthenticated", "Unauthorized", "unknown or revoked API key");
        }
        if (!key.has(scope))
        {
            throw new Problem(403, "forbidden", "Forbidden", "this key lacks the " + scope.label() + " scope");
        }
        final long waitMs = limiter.acquire(key, nanoClock.getAsLong());
        if (waitMs > 0)
        {
            throw new Problem(429, "rate-limited", "Too many requests",
                "this key may make " + key.ratePerSecond() + " requests a second").retryAfter((waitMs + 999) / 1000);
        }
        return key;
    }

    private static Map<String, String> match(final String template, final String[] segments)
    {
        final String[] parts = template.split("/", -1);
        if (parts.length != segments.length)
        {
            return null;
        }
        Map<String, String> params = Map.of();
        for (int i = 0; i < parts.length; i++)
        {
            if (parts[i].startsWith("{"))
            {
                if (segments[i].isEmpty())
                {
                    return null;
                }
                if (params.isEmpty())
                {
                    params = new LinkedHashMap<>();
                }
                params.put(parts[i].substring(1, parts[i].length() - 1), segments[i]);
            }
            else if (!parts[i].equals(segments[i]))
            {
                return null;
            }
        }
        return params;
    }

    // ---- links

    private LinkSpec spec(final ObjectNode body)
    {
        final LinkSpec spec = new LinkSpec();
        spec.url = Json.string(body, "url");
        spec.alias = Json.string(body, "alias");
        spec.domain = Json.string(body, "domain");
        spec.hasExpiresAt = body.has("expiresAt");
        spec.expiresAt = Json.timestamp(body, "expiresAt");
        spec.redirect = Json.integer(body, "redirect");
        spec.forwardQuery = Json.bool(body, "forwardQuery");
        return spec;
    }

    private CompletableFuture<ApiResponse> createLink(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final LinkSpec spec = spec(Json.object(request.body, CREATE_FIELDS));
        return links.create(key, spec).thenApply(row ->
        {
            metrics.created(1);
            return json(201, linkJson(row)).header("Location", "/api/v1/links/" + row.code + "?domain=" + row.domain);
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
                    entry.set("link", linkJson(result.created));
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
            return json(200, out);
        });
    }

    private CompletableFuture<ApiResponse> getLink(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final LinkRow row = links.get(key, request.query("domain"), params.get("code"));
        return CompletableFuture.completedFuture(json(200, linkJson(row)));
    }

    /**
     * Clicks of one link (owner or admin): {@code from}/{@code to} RFC 3339 (default: the last 7 days),
     * {@code granularity} hour|day|week (default day). Bots, link previews and HEAD requests are counted
     * apart and left out of every other figure.
     */
    private CompletableFuture<ApiResponse> analytics(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final LinkRow row = links.get(key, request.query("domain"), params.get("code"));
        final long now = clock.time();
        final long to = instantParam(request, "to", now + 1);
        final long from = instantParam(request, "from", to - 7L * 86_400_000L);
        if (from >= to)
        {
            throw Problem.badRequest("range", "from must be before to");
        }
        final Granularity granularity = Granularity.parse(request.query("granularity"));
        if (granularity == Granularity.HOUR && to - from > 31L * 86_400_000L)
        {
            throw Problem.badRequest("range", "hourly timelines cover at most 31 days");
        }
        final ClickAnalytics.Report report = clicks.report(row.domain, row.code, from, to, granularity);
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("code", row.code).put("domain", row.domain)
            .put("from", java.time.Instant.ofEpochMilli(from).toString()).put("to", java.time.Instant.ofEpochMilli(to).toString())
            .put("granularity", granularity.label())
            .put("clicks", report.clicks()).put("uniqueVisitors", report.uniqueVisitors()).put("botClicks", report.botClicks());
        final com.fasterxml.jackson.databind.node.ArrayNode timeline = out.putArray("timeline");
        for (final long[] bucket : report.timeline())
        {
            timeline.addObject().put("start", java.time.Instant.ofEpochMilli(bucket[0]).toString())
                .put("clicks", bucket[1]).put("botClicks", bucket[2]);
        }
        ranked(out, "referrers", report.referrers());
        ranked(out, "countries", report.countries());
        ranked(out, "browsers", report.browsers());
        ranked(out, "oses", report.oses());
        ranked(out, "devices", report.devices());
        return CompletableFuture.completedFuture(json(200, out));
    }

    private static void ranked(final ObjectNode out, final String field, final List<ClickAnalytics.Ranked> values)
    {
        final com.fasterxml.jackson.databind.node.ArrayNode array = out.putArray(field);
        for (final ClickAnalytics.Ranked value : values)
        {
            array.addObject().put("name", value.name()).put("clicks", value.clicks());
        }
    }

    private static long instantParam(final ApiRequest request, final String name, final long otherwise)
    {
        final String text = request.query(name);
        if (text == null)
        {
            return otherwise;
        }
        try
        {
            return java.time.OffsetDateTime.parse(text).toInstant().toEpochMilli();
        }
        catch (final java.time.format.DateTimeParseException ex)
        {
            throw Problem.badRequest("timestamp", name + " must be an RFC 3339 timestamp, like 2026-01-31T12:00:00Z");
        }
    }

    private CompletableFuture<ApiResponse> listLinks(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final int limit = intParam(request, "limit", 50, 1, MAX_PAGE);
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
        final LinkService.Page page = links.list(key, request.query("domain"), cursor, limit);
        final ObjectNode out = Json.MAPPER.createObjectNode();
        final ArrayNode items = out.putArray("items");
        for (final LinkRow row : page.items)
        {
            items.add(linkJson(row));
        }
        if (page.nextCursor == null)
        {
            out.putNull("nextCursor");
        }
        else
        {
            out.put("nextCursor", Long.toString(page.nextCursor));
        }
        return CompletableFuture.completedFuture(json(200, out));
    }

    private CompletableFuture<ApiResponse> updateLink(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final LinkSpec patch = spec(Json.object(request.body, UPDATE_FIELDS));
        return links.update(key, request.query("domain"), params.get("code"), patch).thenApply(row -> json(200, linkJson(row)));
    }

    private CompletableFuture<ApiResponse> deleteLink(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        return links.delete(key, request.query("domain"), params.get("code")).thenApply(row -> ApiResponse.noContent());
    }

    private CompletableFuture<ApiResponse> takedown(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, TAKEDOWN_FIELDS);
        return links.takedown(request.query("domain"), params.get("code"), Json.string(body, "reason"))
            .thenApply(row -> json(200, linkJson(row)));
    }

    // ---- domains and keys

    private CompletableFuture<ApiResponse> listDomains(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("default", domains.defaultDomain());
        final ArrayNode items = out.putArray("domains");
        domains.names().forEach(items::add);
        return CompletableFuture.completedFuture(json(200, out));
    }

    private CompletableFuture<ApiResponse> addDomain(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final String name = Json.string(Json.object(request.body, DOMAIN_FIELDS), "name");
        if (name == null)
        {
            throw Problem.badRequest("domain-required", "name is required");
        }
        final String problem = LinkRules.checkDomain(name);
        if (problem != null)
        {
            throw Problem.badRequest("domain-format", problem);
        }
        return writer.submit(txn ->
        {
            if (!Queries.insertDomain(txn.connection(), name, false, txn.now()))
            {
                throw Problem.conflict("domain-exists", "domain " + name + " already exists");
            }
            return name;
        }).thenApply(added ->
        {
            reloadDomains();
            final ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("name", added);
            return json(201, out);
        });
    }

    private CompletableFuture<ApiResponse> listKeys(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final List<Queries.KeyRow> rows = readers.read(Queries::listKeys);
        final ObjectNode out = Json.MAPPER.createObjectNode();
        final ArrayNode items = out.putArray("keys");
        for (final Queries.KeyRow row : rows)
        {
            items.add(keyJson(row, null));
        }
        return CompletableFuture.completedFuture(json(200, out));
    }

    private CompletableFuture<ApiResponse> createKey(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, KEY_FIELDS);
        final String name = Json.string(body, "name");
        if (name == null || name.isBlank() || name.length() > 200)
        {
            throw Problem.badRequest("key-name", "name is required (1 to 200 characters)");
        }
        final JsonNode scopesNode = body.get("scopes");
        if (scopesNode == null || !scopesNode.isArray() || scopesNode.isEmpty())
        {
            throw Problem.badRequest("key-scopes", "scopes must be a non-empty array of admin, links:write, links:read, analytics:read");
        }
        final Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (final JsonNode scope : scopesNode)
        {
            try
            {
                scopes.add(Scope.parse(scope.asText()));
            }
            catch (final IllegalArgumentException ex)
            {
                throw Problem.badRequest("key-scopes", ex.getMessage());
            }
        }
        final Double rate = Json.number(body, "ratePerSecond");
        final Integer burst = Json.integer(body, "burst");
        if ((rate != null && (rate < 0 || rate > 1e6)) || (burst != null && (burst < 1 || burst > 1_000_000)))
        {
            throw Problem.badRequest("key-rate", "ratePerSecond must be 0 (unlimited) to 1e6 and burst 1 to 1e6");
        }
        final ApiKeys.Minted minted = keys.mint(name, scopes, rate, burst, 0);
        return writer.submit(txn ->
        {
            minted.row.createdAt = txn.now();
            return Queries.insertKey(txn.connection(), minted.row);
        }).thenApply(id ->
        {
            reloadKeys();
            return json(201, keyJson(minted.row, minted.secret));
        });
    }

    private CompletableFuture<ApiResponse> revokeKey(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final long id;
        try
        {
            id = Long.parseLong(params.get("id"));
        }
        catch (final NumberFormatException ex)
        {
            throw Problem.notFound("no key " + params.get("id"));
        }
        return writer.submit(txn ->
        {
            if (!Queries.revokeKey(txn.connection(), id, txn.now()))
            {
                throw Problem.notFound("no active key " + id);
            }
            return id;
        }).thenApply(revoked ->
        {
            reloadKeys();
            limiter.forget(revoked);
            return ApiResponse.noContent();
        });
    }

    private void reloadKeys()
    {
        try
        {
            readers.read(c ->
            {
                keys.reload(c);
                return null;
            });
        }
        catch (final java.sql.SQLException ex)
        {
            throw new CompletionException(ex);
        }
    }

    private void reloadDomains()
    {
        try
        {
            readers.read(c ->
            {
                domains.reload(c);
                return null;
            });
        }
        catch (final java.sql.SQLException ex)
        {
            throw new CompletionException(ex);
        }
    }

    // ---- rendering

    private ObjectNode linkJson(final LinkRow row)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("code", row.code);
        out.put("shortUrl", shortUrlScheme + "://" + row.domain + (shortUrlPort == 0 ? "" : ":" + shortUrlPort) + "/" + row.code);
        out.put("url", row.url);
        out.put("domain", row.domain);
        out.put("createdAt", Instant.ofEpochMilli(row.createdAt).toString());
        out.put("editableUntil", Instant.ofEpochMilli(row.editableUntil).toString());
        if (row.expiresAt == 0)
        {
            out.putNull("expiresAt");
        }
        else
        {
            out.put("expiresAt", Instant.ofEpochMilli(row.expiresAt).toString());
        }
        out.put("redirect", row.status);
        out.put("forwardQuery", row.forwardQuery);
        out.put("disabled", row.disabledReason != null);
        if (row.disabledReason != null)
        {
            out.put("disabledReason", row.disabledReason);
        }
        return out;
    }

    private static ObjectNode keyJson(final Queries.KeyRow row, final String secret)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", row.id);
        out.put("name", row.name);
        final ArrayNode scopes = out.putArray("scopes");
        for (final String scope : row.scopes.split(","))
        {
            scopes.add(scope);
        }
        if (row.ratePerSecond != null)
        {
            out.put("ratePerSecond", row.ratePerSecond);
        }
        if (row.burst != null)
        {
            out.put("burst", row.burst);
        }
        out.put("createdAt", Instant.ofEpochMilli(row.createdAt).toString());
        out.put("revoked", row.revokedAt != 0);
        if (secret != null)
        {
            out.put("key", secret);
        }
        return out;
    }

    private static Throwable unwrap(final Throwable failure)
    {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String ruleOf(final Throwable failure)
    {
        final Throwable cause = unwrap(failure);
        return cause instanceof Problem ? ((Problem)cause).rule() : "internal";
    }

    static ApiResponse problemResponse(final Throwable failure)
    {
        final Throwable cause = unwrap(failure);
        final Problem problem = cause instanceof Problem ? (Problem)cause :
            new Problem(500, "internal", "Internal server error", "the request failed inside the server; it has been logged");
        if (!(cause instanceof Problem))
        {
            org.slf4j.LoggerFactory.getLogger(Api.class).error("request failed", cause);
        }
        final ApiResponse response = new ApiResponse(problem.status(), Problem.CONTENT_TYPE, problem.toJson());
        problem.addHeaders(response.headers);
        return response;
    }

    static ApiResponse json(final int status, final Object body)
    {
        return new ApiResponse(status, JSON, Json.write(body));
    }

    private static int intParam(final ApiRequest request, final String name, final int dflt, final int min, final int max)
    {
        final String text = request.query(name);
        if (text == null)
        {
            return dflt;
        }
        try
        {
            final int value = Integer.parseInt(text);
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // falls through to the problem
        }
        throw Problem.badRequest("query-" + name, name + " must be an integer from " + min + " to " + max);
    }

    private static byte[] loadOpenApi()
    {
        try (var in = Api.class.getResourceAsStream("openapi.json"))
        {
            if (in == null)
            {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return in.readAllBytes();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
