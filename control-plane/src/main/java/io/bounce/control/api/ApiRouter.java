package io.bounce.control.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import io.bounce.control.ControlMetrics;
import io.bounce.control.keys.ApiKey;
import io.bounce.runtime.http.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API under {@code /api/v1}: finds the route for a request, has the {@link Authenticator}
 * check the caller where the route needs a scope, runs the route's resource, and turns every failure
 * into an {@code application/problem+json} answer, counted. The resources ({@link LinkResource},
 * {@link AnalyticsResource}, {@link DomainResource}, {@link KeyResource}, {@link AdminResource}) bind
 * JSON and call the services; {@link #routes()} is the list the OpenAPI document is checked against.
 */
public final class ApiRouter
{
    private static final Logger ACCESS = LoggerFactory.getLogger("io.bounce.access");

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);

    private final Authenticator authenticator;
    private final ControlMetrics metrics;
    private final ApiContext context;
    private final List<Route> routes = new ArrayList<>();
    /** What answers the paths {@link #pagePaths} takes (the dashboard's), or null for none. */
    private volatile Route.Handler pages;
    private volatile java.util.function.Predicate<String> pagePaths = path -> false;

    public ApiRouter(final ApiContext context)
    {
        this.context = context;
        this.metrics = context.metrics();
        this.authenticator = new Authenticator(context.keys(), context.nanoClock(), context.config().unauthenticatedBudget());
        final LinkJson links = new LinkJson(context.config());
        routes.addAll(new LinkResource(context, links).routes());
        routes.addAll(new AdminResource(context, links).routes());
        routes.addAll(new AnalyticsResource(context).routes());
        routes.addAll(new DomainResource(context).routes());
        routes.addAll(new KeyResource(context).routes());
        routes.addAll(new AccountResource(context).routes());
        final ApiResponse openApi = new ApiResponse(200, ApiResponse.JSON, loadOpenApi());
        routes.add(new Route("GET", "/api/v1/openapi.json", null, (key, request, params) -> CompletableFuture.completedFuture(openApi)));
    }

    public List<Route> routes()
    {
        return List.copyOf(routes);
    }

    /**
     * Serve the paths {@code paths} takes with {@code pages} (the dashboard): it gets a null key and finds its own caller.
     * Every other path stays the API's (a 404 problem when no route has it), whatever the dashboard does.
     */
    public void pages(final java.util.function.Predicate<String> paths, final Route.Handler pages)
    {
        this.pages = pages;
        this.pagePaths = paths;
    }

    /**
     * Call an API route in this process as {@code key} (a dashboard session's account key): the same route, scope check,
     * validation and answer as over HTTP, without a bearer secret or the key's rate limit (the session's own limits
     * apply). Failures come back as the problem+json answer the API would give.
     *
     * @param query the query parameters, each given once.
     */
    public CompletableFuture<ApiResponse> invoke(final ApiKey key, final String method, final String path, final Map<String, String> query,
        final byte[] body, final ApiRequest on)
    {
        try
        {
            final Map<String, List<String>> parameters = new java.util.LinkedHashMap<>();
            query.forEach((name, value) -> parameters.put(name, List.of(value)));
            final ApiRequest request = new ApiRequest(method, path, parameters, null, body, true, on.receivedNs, on.remote);
            final String[] segments = path.split("/", -1);
            for (final Route route : routes)
            {
                final Map<String, String> params = route.match(segments);
                if (params == null || !route.method().equals(method))
                {
                    continue;
                }
                if (route.scope() != null && !key.has(route.scope()))
                {
                    throw new Problem(403, "forbidden", "Forbidden", "this account may not do that");
                }
                checkQuery(request, route);
                return route.handler().handle(key, request, params).handle((response, failure) -> failure == null ? response : problemResponse(failure));
            }
            throw Problem.notFound("no API resource at " + Problem.echo(path));
        }
        catch (final Exception ex)
        {
            return CompletableFuture.completedFuture(problemResponse(ex));
        }
    }

    ControlMetrics metrics()
    {
        return metrics;
    }

    /** Count a refusal made before a request reached a route (malformed, too large, too many): it is an answer too. */
    void refusedEarly(final Problem problem)
    {
        metrics.refusal(problem.rule());
        metrics.response(problem.status(), 0);
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
            final long latencyUs = (context.nanoClock().getAsLong() - request.receivedNs) / 1000;
            metrics.response(result.status, latencyUs);
            accessLog(request, result.status, latencyUs);
            return result;
        });
    }

    /**
     * One access-log line per request ({@code io.bounce.access}): method, route template (never the raw path
     * or its query, which may carry anything), status, key id (never the key), duration and client. Off with
     * {@code BOUNCE_LOG_LEVELS=io.bounce.access=off}.
     */
    private static void accessLog(final ApiRequest request, final int status, final long latencyUs)
    {
        if (ACCESS.isInfoEnabled())
        {
            ACCESS.atInfo().setMessage("api").addKeyValue("method", request.method).addKeyValue("route", request.route)
                .addKeyValue("status", status).addKeyValue("keyId", request.keyId < 0 ? "-" : Long.toString(request.keyId))
                .addKeyValue("ms", latencyUs / 1000.0).addKeyValue("client", client(request.remote)).log();
        }
    }

    private static String client(final byte[] address)
    {
        try
        {
            return address.length == 0 ? "-" : java.net.InetAddress.getByAddress(address).getHostAddress();
        }
        catch (final java.net.UnknownHostException ex)
        {
            return "-";
        }
    }

    private CompletableFuture<ApiResponse> dispatch(final ApiRequest request) throws Exception
    {
        final Route.Handler pages = this.pages;
        if (pages != null && pagePaths.test(request.path))
        {
            return pages.handle(null, request, Map.of());
        }
        final String[] segments = request.path.split("/", -1);
        final List<String> allowed = new ArrayList<>();
        for (final Route route : routes)
        {
            final Map<String, String> params = route.match(segments);
            if (params == null)
            {
                continue;
            }
            if (!route.method().equals(request.method))
            {
                allowed.add(route.method());
                continue;
            }
            request.route = route.template();
            final ApiKey key = route.scope() == null ? null : authenticator.authenticate(request, route.scope());
            request.keyId = key == null ? -1 : key.id();
            checkQuery(request, route);
            return route.handler().handle(key, request, params);
        }
        if (!allowed.isEmpty())
        {
            throw Problem.methodNotAllowed(request.method, String.join(", ", allowed));
        }
        throw Problem.notFound("no API resource at " + Problem.echo(request.path));
    }

    /** Every query parameter must be one the route takes, given once. */
    private static void checkQuery(final ApiRequest request, final Route route)
    {
        for (final Map.Entry<String, List<String>> parameter : request.query.entrySet())
        {
            if (!route.query().contains(parameter.getKey()))
            {
                throw Problem.badRequest("query-unknown", "unknown query parameter '" + Problem.echo(parameter.getKey()) + "'" +
                    (route.query().isEmpty() ? "; this resource takes none" : " (allowed: " + String.join(", ", new java.util.TreeSet<>(route.query())) + ")"));
            }
            if (parameter.getValue().size() > 1)
            {
                throw Problem.badRequest("query-repeated", "query parameter '" + parameter.getKey() + "' must be given once");
            }
        }
    }

    private static Throwable unwrap(final Throwable failure)
    {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null)
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

    /** A failure as its answer: a {@link Problem} as it says, anything else as a logged 500. */
    static ApiResponse problemResponse(final Throwable failure)
    {
        final Throwable cause = unwrap(failure);
        final Problem problem;
        if (cause instanceof Problem)
        {
            problem = (Problem)cause;
        }
        else
        {
            LOG.error("request failed", cause);
            problem = new Problem(500, "internal", "Internal server error", "the request failed inside the server; it has been logged");
        }
        final ApiResponse response = new ApiResponse(problem.status(), Problem.CONTENT_TYPE, problem.toJson());
        problem.addHeaders(response.headers);
        return response;
    }

    private static byte[] loadOpenApi()
    {
        try (InputStream in = ApiRouter.class.getResourceAsStream("openapi.json"))
        {
            if (in == null)
            {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
