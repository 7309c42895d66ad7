package io.bounce.system;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A plain HTTP client of the dashboard, for what a browser would not do on its own: its cookies kept by hand. */
final class DashboardClient
{
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    final String base;
    final Map<String, String> cookies = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    DashboardClient(final String base)
    {
        this.base = base;
    }

    HttpResponse<String> get(final String path) throws Exception
    {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** POST a form; {@code fields} name, value, … */
    HttpResponse<String> post(final String path, final String... fields) throws Exception
    {
        final StringBuilder body = new StringBuilder();
        for (int i = 0; i + 1 < fields.length; i += 2)
        {
            body.append(body.length() == 0 ? "" : "&").append(URLEncoder.encode(fields[i], StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
        }
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private HttpResponse<String> send(final HttpRequest.Builder request) throws Exception
    {
        if (!cookies.isEmpty())
        {
            final StringBuilder header = new StringBuilder();
            cookies.forEach((name, value) -> header.append(header.length() == 0 ? "" : "; ").append(name).append('=').append(value));
            request.header("Cookie", header.toString());
        }
        final HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        for (final String set : response.headers().allValues("Set-Cookie"))
        {
            final String pair = set.split(";", 2)[0];
            final int eq = pair.indexOf('=');
            if (set.contains("Max-Age=0"))
            {
                cookies.remove(pair.substring(0, eq));
            }
            else
            {
                cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return response;
    }

    /** @return the CSRF token of the first form on {@code path}. */
    String csrf(final String path) throws Exception
    {
        final Matcher matcher = CSRF.matcher(get(path).body());
        if (!matcher.find())
        {
            throw new AssertionError(path + " has no form with a CSRF token");
        }
        return matcher.group(1);
    }

    /** Sign in as the form does. @return the answer to the POST. */
    HttpResponse<String> signIn(final String email, final String password) throws Exception
    {
        final String token = csrf("/sign-in");
        return post("/sign-in", "csrf", token, "email", email, "password", password, "next", "/links");
    }
}
