package io.bounce.control.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bounce.control.ControlMetrics;
import io.bounce.control.accounts.Account;
import io.bounce.control.accounts.AccountService;
import io.bounce.control.api.ApiContext;
import io.bounce.control.api.ApiRequest;
import io.bounce.control.api.ApiResponse;
import io.bounce.control.api.ApiRouter;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.KeyService;
import io.bounce.runtime.http.Problem;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.agrona.concurrent.EpochClock;

/**
 * The web dashboard, served from the API port at its own paths ({@link #serves}): pages written on the server,
 * plain HTML forms that work without script, and one script ({@code app.js}) for the clicks chart, its refresh and the
 * edit window's countdown. Every page acts as the signed-in account's own key through the API's own routes
 * ({@link ApiRouter#invoke}), so the dashboard checks, refuses and answers exactly as the API does: an account sees
 * only its links, an admin everything.
 *
 * <p>Every answer carries a Content-Security-Policy that allows scripts, styles, images and fetches from this origin
 * only and no inline script or style; {@code Server-Timing: render} says how long the server took. Every
 * state-changing request is a POST from a form carrying the session's CSRF token (or, for the sign-in form, the token
 * of its own cookie); one without it is refused with 403 and counted ({@code bounce_api_refusals_total{rule="csrf"}}).
 */
public final class Dashboard
{
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Who is asking, as the page sees them: the session and its account's key (both null when signed out). */
    record Visit(ApiRequest request, Sessions.Session session, Account account, ApiKey key, long nowMs)
    {
        boolean signedIn()
        {
            return key != null;
        }

        String csrf()
        {
            return session == null ? "" : session.csrf();
        }
    }

    private final ApiRouter api;
    private final AccountService accounts;
    private final KeyService keys;
    private final ControlMetrics metrics;
    private final EpochClock clock;
    private final java.util.function.LongSupplier nanoClock;
    private final Assets assets = new Assets();
    private final Sessions sessions;
    private final SignInPage signIn;
    private final LinkPages links;
    private final KeyPages keyPages;
    private final DomainPages domainPages;

    public Dashboard(final ApiContext context, final ApiRouter api)
    {
        this.api = api;
        this.accounts = context.accounts();
        this.keys = context.keys();
        this.metrics = context.metrics();
        this.clock = context.clock();
        this.nanoClock = context.nanoClock();
        final DashboardOptions options = context.config().dashboard();
        this.sessions = new Sessions(accounts, options.sessionMs());
        this.signIn = new SignInPage(this, sessions, new SignInLimits(options), accounts, metrics, nanoClock);
        this.links = new LinkPages(this, options.refreshMs());
        this.keyPages = new KeyPages(this, keys);
        this.domainPages = new DomainPages(this);
    }

    /** The first segments of the dashboard's paths; every other path on the port is the API's, the log's or the ingest's. */
    private static final java.util.Set<String> PATHS = java.util.Set.of("", "sign-in", "sign-out", "links", "keys", "domains", "assets",
        "favicon.ico");

    /** @return whether {@code path} is the dashboard's to answer. */
    public static boolean serves(final String path)
    {
        final int end = path.indexOf('/', 1);
        return path.startsWith("/") && PATHS.contains(end < 0 ? path.substring(1) : path.substring(1, end));
    }

    /** Answer one of the dashboard's requests ({@link #serves}); runs on an API worker thread. */
    public CompletableFuture<ApiResponse> handle(final ApiKey ignored, final ApiRequest request, final Map<String, String> none)
    {
        final long startNs = System.nanoTime();
        CompletableFuture<ApiResponse> answer;
        try
        {
            answer = route(request);
        }
        catch (final Exception ex)
        {
            answer = CompletableFuture.failedFuture(ex);
        }
        return answer.handle((response, failure) ->
        {
            final ApiResponse result = failure == null ? response : errorPage(failure);
            if (failure != null && result.status() < 500)
            {
                metrics.refusal(rule(failure));
            }
            return result.header("Server-Timing", "render;dur=" + String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - startNs) / 1e6));
        });
    }

    private CompletableFuture<ApiResponse> route(final ApiRequest request) throws Exception
    {
        final String path = request.path();
        final String method = request.method();
        if (path.startsWith("/assets/"))
        {
            request.routed("GET /assets", -1);
            final ApiResponse asset = method.equals("GET") || method.equals("HEAD") ? assets.answer(path, request.acceptsGzip()) : null;
            if (asset == null)
            {
                throw Problem.notFound("no such file");
            }
            return done(asset);
        }
        if (path.equals("/favicon.ico"))
        {
            request.routed("GET /favicon.ico", -1);
            return done(new ApiResponse(404, null, new byte[0]).header("Cache-Control", "public, max-age=86400")); // none, and no page
        }
        final Visit visit = visit(request);
        final String[] parts = path.split("/", -1);
        request.routed(method + " " + template(parts), visit.signedIn() ? visit.key().id() : -1);
        if (path.equals("/sign-in"))
        {
            return method.equals("POST") ? signIn.submit(visit) : done(signIn.form(visit, request.query("next"), null, 200));
        }
        if (!visit.signedIn())
        {
            if (method.equals("GET"))
            {
                return done(redirect("/sign-in" + (path.equals("/") ? "" : "?next=" + encode(path))));
            }
            throw new Problem(401, "signed-out", "Signed out", "sign in first");
        }
        // A signed-in browser spends its account key's rate limit, one token a page (however many API calls the page makes).
        final long waitMs = keys.acquire(visit.key(), nanoClock.getAsLong());
        if (waitMs > 0)
        {
            throw new Problem(429, "rate-limited", "Too many requests", "this account may make " + visit.key().ratePerSecond() +
                " requests a second; wait a moment").retryAfter((waitMs + 999) / 1000);
        }
        final Map<String, String> form;
        if (method.equals("POST"))
        {
            form = Forms.parse(request);
            if (!Sessions.same(visit.csrf(), form.get("csrf")))
            {
                throw new Problem(403, "csrf", "Forbidden", "this form has expired or did not come from this site; go back, reload and try again");
            }
        }
        else if (method.equals("GET") || method.equals("HEAD"))
        {
            form = Map.of();
        }
        else
        {
            throw Problem.methodNotAllowed(method, "GET, POST");
        }
        if (path.equals("/"))
        {
            return done(redirect("/links"));
        }
        if (path.equals("/sign-out") && method.equals("POST"))
        {
            return sessions.close(visit.session()).thenApply(closed ->
                redirect("/sign-in?signed-out=1").addHeader("Set-Cookie", Sessions.setCookie(Sessions.COOKIE, "", 0, request.secure())));
        }
        if (parts.length >= 2 && parts[1].equals("links"))
        {
            return links.handle(visit, parts, form);
        }
        if (parts.length >= 2 && parts[1].equals("keys"))
        {
            return keyPages.handle(visit, parts, form);
        }
        if (parts.length == 2 && parts[1].equals("domains"))
        {
            return domainPages.handle(visit, form);
        }
        throw Problem.notFound("there is no page here");
    }

    /** A route template for the access log: never a code, an id or a domain from the path. */
    private static String template(final String[] parts)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 1; i < parts.length && i < 5; i++)
        {
            final boolean fixed = i == 1 || parts[i].endsWith(".json") || parts[i].endsWith(".csv") || parts[i].startsWith("qr.") ||
                java.util.Set.of("new", "edit", "tags", "delete", "takedown", "revoke").contains(parts[i]);
            out.append('/').append(fixed ? parts[i] : "{}");
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    private Visit visit(final ApiRequest request)
    {
        final long now = clock.time();
        final Sessions.Session session = sessions.find(request.cookie(), now);
        if (session != null)
        {
            final Account account = accounts.get(session.accountId());
            final boolean valid = account != null && !account.isDisabled() && account.passwordStamp() == session.passwordStamp();
            final ApiKey key = valid ? keys.byId(account.keyId()) : null;
            if (key != null)
            {
                return new Visit(request, session, account, key, now);
            }
            // The account was disabled, its password changed or its key is gone: the session ends (its row is dropped after).
            sessions.close(session).exceptionally(failure -> null);
        }
        return new Visit(request, null, null, null, now);
    }

    /** Call the API as the visitor's account. @param query name, value, name, value… (null values left out). */
    CompletableFuture<ApiResponse> call(final Visit visit, final String method, final String path, final Object body, final String... query)
    {
        final Map<String, String> parameters = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < query.length; i += 2)
        {
            if (query[i + 1] != null)
            {
                parameters.put(query[i], query[i + 1]);
            }
        }
        final byte[] bytes;
        try
        {
            bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        return api.invoke(visit.key(), method, path, parameters, bytes, visit.request());
    }

    /** @return the JSON of an API answer. */
    static JsonNode json(final ApiResponse response)
    {
        try
        {
            return JSON.readTree(response.body());
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("the API answered JSON that does not parse", ex);
        }
    }

    /** A whole page around {@code main}: the header with the account's menu, the stylesheet, the script. */
    ApiResponse page(final int status, final Visit visit, final String title, final String current, final Html main)
    {
        final Html page = new Html();
        page.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .raw("<title>").text(title).raw(" · Bounce</title>")
            .raw("<link rel=\"stylesheet\"").attr("href", assets.url("uPlot.min.css")).raw(">")
            .raw("<link rel=\"stylesheet\"").attr("href", assets.url("app.css")).raw(">")
            .raw("<script defer").attr("src", assets.url("uPlot.iife.min.js")).raw("></script>")
            .raw("<script defer").attr("src", assets.url("app.js")).raw("></script>")
            .raw("</head><body><a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"top\"><a class=\"brand\" href=\"/\">Bounce</a>");
        if (visit != null && visit.signedIn())
        {
            page.raw("<nav aria-label=\"Main\"><ul>");
            navItem(page, "/links", "Links", current);
            navItem(page, "/links/new", "New link", current);
            navItem(page, "/keys", "API keys", current);
            if (visit.account().isAdmin())
            {
                navItem(page, "/domains", "Domains", current);
            }
            page.raw("</ul></nav><form class=\"sign-out\" method=\"post\" action=\"/sign-out\">").csrf(visit.csrf())
                .raw("<span class=\"who\">").text(visit.account().email()).raw(visit.account().isAdmin() ? " (admin)" : "")
                .raw("</span> <button type=\"submit\" class=\"secondary\">Sign out</button></form>");
        }
        page.raw("</header><main id=\"main\" tabindex=\"-1\">").raw(main.toString()).raw("</main></body></html>\n");
        return html(status, page.toString());
    }

    private static void navItem(final Html page, final String href, final String label, final String current)
    {
        page.raw("<li><a").attr("href", href);
        if (href.equals(current))
        {
            page.raw(" aria-current=\"page\"");
        }
        page.raw(">").text(label).raw("</a></li>");
    }

    static ApiResponse html(final int status, final String page)
    {
        return new ApiResponse(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8))
            .header("Content-Security-Policy", CSP).header("Referrer-Policy", "same-origin").header("X-Frame-Options", "DENY");
    }

    static ApiResponse redirect(final String location)
    {
        return new ApiResponse(303, null, new byte[0]).header("Location", location);
    }

    static CompletableFuture<ApiResponse> done(final ApiResponse response)
    {
        return CompletableFuture.completedFuture(response);
    }

    /** A failure as a page: its status, its title, its detail; a 500's cause is logged, not shown. */
    ApiResponse errorPage(final Throwable failure)
    {
        return problemPage(null, ApiResponse.problem(failure));
    }

    /** A problem (an API answer that is not a success, or a failure's) as a page, with its Retry-After if it has one. */
    ApiResponse problemPage(final Visit visit, final ApiResponse problem)
    {
        final JsonNode json = json(problem);
        final Html main = new Html().raw("<h1>").text(json.path("title").asText("Error")).raw("</h1><p>")
            .text(json.path("detail").asText("")).raw("</p><p><a href=\"/links\">Back to your links</a></p>");
        final ApiResponse page = page(problem.status(), visit, json.path("title").asText("Error"), null, main);
        final String retry = problem.header("Retry-After");
        return retry == null ? page : page.header("Retry-After", retry);
    }

    private static String rule(final Throwable failure)
    {
        Throwable cause = failure;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause instanceof Problem ? ((Problem)cause).rule() : "internal";
    }

    /** Percent-encoding for a query value. */
    static String encode(final String value)
    {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Forms posted as {@code application/x-www-form-urlencoded}, at most 64 fields (the body's size is the API's bound). */
    static final class Forms
    {
        private Forms()
        {
        }

        static Map<String, String> parse(final ApiRequest request)
        {
            final String type = request.contentType();
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded"))
            {
                throw new Problem(415, "form-type", "Unsupported media type", "the dashboard takes forms as application/x-www-form-urlencoded");
            }
            final Map<String, List<String>> fields = new QueryStringDecoder(new String(request.body(), StandardCharsets.UTF_8),
                StandardCharsets.UTF_8, false, 64).parameters();
            final Map<String, String> form = new java.util.HashMap<>();
            fields.forEach((name, values) -> form.put(name, values.isEmpty() ? "" : values.get(0)));
            return form;
        }
    }
}
