package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Password-protected links, end to end: the password given to the API, kept as an argon2id hash, carried to two real
 * edges in the record's rules, and checked there: the form, a wrong and a right password, the pass that works on
 * every edge of the fleet and stops working when the password changes, and a brute-force flood held to its visitor's
 * and its link's budgets while other links' passwords are still checked.
 */
class LinkPasswordSystemTest
{
    private static final long WAIT_MS = 30_000;
    private static final String FORM = "application/x-www-form-urlencoded";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1)
        .build();

    @Test
    void rightWrongAndFloodedOnTwoEdges() throws Exception
    {
        try (ControlPlaneNode cp = Stack.controlPlane(dir.resolve("cp"));
            EdgeNode a = Stack.edge(dir.resolve("a"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--trusted-proxies", "127.0.0.1/32", "--password-checks-per-second", "100");
            EdgeNode b = Stack.edge(dir.resolve("b"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--password-checks-per-second", "100", "--password-checks-per-link-per-second", "100"))
        {
            final JsonNode created = Stack.api(cp, "POST", "/api/v1/links", """
                {"url": "https://example.com/secret-plans", "alias": "locked", "forwardQuery": true, "password": "open sesame",
                 "og": {"title": "Leaky title"}}""");
            assertTrue(created.path("passwordProtected").asBoolean(), created.toString());
            assertFalse(created.has("password"), "never the password or its hash: " + created);
            assertFalse(created.toString().contains("argon2"), created.toString());
            assertFalse(Stack.api(cp, "GET", "/api/v1/links/locked", null).toString().contains("argon2"));
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\": \"https://example.com/other\", \"alias\": \"other\", \"password\": \"other one\"}");
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\": \"https://example.com/open\", \"alias\": \"plain\"}");
            assertEquals(400, Stack.call("POST", Stack.base(cp) + "/api/v1/links", Stack.adminKey(cp),
                "{\"url\": \"https://example.com/x\", \"password\": \"abc\"}").statusCode(), "too short");
            Stack.await("both edges have the links", WAIT_MS, () -> a.replica().get("localhost", "plain") != null &&
                b.replica().get("localhost", "plain") != null);

            // The form: nothing of the link shown, to browsers and crawlers alike; locked down; not a click.
            for (final String userAgent : List.of("Mozilla/5.0 Firefox/133.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"))
            {
                final HttpResponse<String> form = send(get(a, "locked?from=mail").header("User-Agent", userAgent));
                assertEquals(200, form.statusCode());
                assertTrue(form.body().contains("<form method=\"post\">") && form.body().contains("<label for=\"password\">Password</label>") &&
                    form.body().contains("type=\"password\"") && form.body().contains("autocomplete=\"current-password\""), form.body());
                assertFalse(form.body().contains("secret-plans") || form.body().contains("Leaky"), form.body());
                assertTrue(form.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'none'; style-src 'sha256-"));
                assertEquals("no-store", form.headers().firstValue("Cache-Control").orElse(""));
                assertEquals(form.body().length(), Integer.parseInt(form.headers().firstValue("Content-Length").orElse("-1")));
            }
            assertEquals(2, Stack.sample(a, "bounce_edge_password_forms_total"));

            // Wrong, empty, then right; the right one earns a pass and goes back to the short URL, query and all.
            final HttpResponse<String> wrong = send(post(a, "locked?from=mail", "password=open+sesam"));
            assertEquals(403, wrong.statusCode());
            assertTrue(wrong.body().contains("role=\"alert\">That password is not right."), wrong.body());
            assertTrue(wrong.headers().firstValue("Set-Cookie").isEmpty());
            assertEquals(403, send(post(a, "locked", "password=")).statusCode());
            assertEquals(405, send(post(a, "plain", "password=x")).statusCode(), "only a protected link takes a POST");
            final HttpResponse<String> right = send(post(a, "locked?from=mail", "other=1&password=open%20sesame"));
            assertEquals(303, right.statusCode(), right.body());
            assertEquals("/locked?from=mail", right.headers().firstValue("Location").orElse(""));
            final String setCookie = right.headers().firstValue("Set-Cookie").orElse("");
            assertTrue(setCookie.matches("bounce_pass=\\d+\\.[0-9a-f]{16}; Path=/locked; Max-Age=3600; HttpOnly; SameSite=Lax"), setCookie);
            final String pass = setCookie.substring(0, setCookie.indexOf(';'));

            // The pass opens the link on both edges (one fleet secret), and only this link.
            for (final EdgeNode edge : List.of(a, b))
            {
                final HttpResponse<String> through = send(get(edge, "locked?from=mail").header("Cookie", "theme=dark; " + pass));
                assertEquals(302, through.statusCode());
                assertEquals("https://example.com/secret-plans?from=mail", through.headers().firstValue("Location").orElse(""));
                assertEquals(200, send(get(edge, "other").header("Cookie", pass)).statusCode(), "a pass is for one link");
            }
            final String forged = pass.substring(0, pass.length() - 1) + (pass.endsWith("0") ? "1" : "0");
            assertEquals(200, send(get(b, "locked").header("Cookie", forged)).statusCode(), "a forged pass opens nothing");
            assertEquals(1, Stack.sample(a, "bounce_edge_password_tries_total{outcome=\"ok\"}"));
            assertEquals(2, Stack.sample(a, "bounce_edge_password_tries_total{outcome=\"wrong\"}"));

            // A visitor's flood: its tries are spent (10 a minute), then 429 before any check, even for the right password.
            int refused = 0;
            for (int i = 0; i < 12; i++)
            {
                final HttpResponse<String> attempt = send(post(b, "locked", "password=guess" + i));
                assertTrue(attempt.statusCode() == 403 || attempt.statusCode() == 429, attempt.statusCode() + " " + attempt.body());
                if (attempt.statusCode() == 429)
                {
                    refused++;
                    assertTrue(Integer.parseInt(attempt.headers().firstValue("Retry-After").orElse("0")) >= 1);
                }
            }
            assertTrue(refused >= 2, "refused " + refused);
            assertEquals(429, send(post(b, "locked", "password=open+sesame")).statusCode());
            assertTrue(Stack.sample(b, "bounce_edge_password_tries_total{outcome=\"throttled\"}") >= 3);

            // A flood from many addresses (a trusted proxy names them) spends the link's share (10 at once, then one every 2 s)...
            final List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 30; i++)
            {
                statuses.add(send(post(a, "other", "password=guess" + i).header("X-Forwarded-For", "203.0.113." + (i + 1))).statusCode());
            }
            assertTrue(statuses.stream().filter(s -> s == 429).count() >= 15, statuses.toString());
            // ... and not the other links': a visitor of "locked" is still checked, and a plain link still redirects.
            assertEquals(303, send(post(a, "locked", "password=open+sesame").header("X-Forwarded-For", "198.51.100.7")).statusCode());
            assertEquals(302, send(get(a, "plain")).statusCode());

            // A new password: the old passes stop opening the link on both edges.
            Stack.api(cp, "PATCH", "/api/v1/links/locked", "{\"password\": \"new secret\"}");
            Stack.await("both edges drop the old pass", WAIT_MS, () -> status(a, "locked", pass) == 200 && status(b, "locked", pass) == 200);
            // And without a password it is an open link again.
            Stack.api(cp, "PATCH", "/api/v1/links/locked", "{\"password\": null}");
            Stack.await("both edges redirect", WAIT_MS, () -> status(a, "locked", null) == 302 && status(b, "locked", null) == 302);
            assertFalse(Stack.api(cp, "GET", "/api/v1/links/locked", null).path("passwordProtected").asBoolean());
        }
    }

    private int status(final EdgeNode edge, final String code, final String cookie)
    {
        try
        {
            final HttpRequest.Builder request = get(edge, code);
            if (cookie != null)
            {
                request.header("Cookie", cookie);
            }
            return send(request).statusCode();
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }

    private static HttpRequest.Builder get(final EdgeNode edge, final String path)
    {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.address().getPort() + "/" + path));
    }

    private static HttpRequest.Builder post(final EdgeNode edge, final String path, final String form)
    {
        return get(edge, path).header("Content-Type", FORM).POST(HttpRequest.BodyPublishers.ofString(form));
    }

    private HttpResponse<String> send(final HttpRequest.Builder request) throws Exception
    {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
