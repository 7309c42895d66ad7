package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bounce.control.accounts.AccountService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dashboard accounts through the API ({@code /api/v1/accounts}) and what an account owns: the links it makes in the
 * dashboard and with the keys it makes there are one set, which its keys see and another account's do not.
 */
class AccountApiTest
{
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final Pattern SECRET = Pattern.compile("id=\"secret\" class=\"secret\" readonly value=\"([^\"]+)\"");

    @TempDir
    Path dir;
    private ControlPlaneHarness cp;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeEach
    void start() throws Exception
    {
        cp = new ControlPlaneHarness(dir.resolve("data"));
    }

    @AfterEach
    void stop()
    {
        cp.close();
    }

    @Test
    void theFirstStartMakesAnAdminAccountWhosePasswordOnlyItsUserCanRead() throws Exception
    {
        final Path file = dir.resolve("data").resolve(AccountService.ADMIN_PASSWORD_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        final String password = Files.readString(file).strip();
        assertTrue(password.length() >= AccountService.MIN_PASSWORD);
        assertTrue(cp.output.toString().contains("admin sign-in: admin@localhost (password in " + file), cp.output.toString());
        assertFalse(cp.output.toString().contains(password), "a password never reaches a log");
        final ControlPlaneHarness.Answer list = cp.get("/api/v1/accounts", cp.adminKey);
        assertEquals(200, list.status);
        assertEquals("admin@localhost", list.json.get("accounts").get(0).get("email").asText());
        assertEquals("admin", list.json.get("accounts").get(0).get("role").asText());
        assertEquals(1, cp.get("/api/v1/keys", cp.adminKey).json.get("keys").size(), "an account's own key is not a bearer key");
        assertEquals(303, signIn("admin@localhost", password).statusCode());
    }

    @Test
    void aSessionOutlivesARestartButNotItsSignOut() throws Exception
    {
        assertEquals(201, cp.post("/api/v1/accounts", cp.adminKey, "{\"email\":\"a@example.com\",\"password\":\"long enough pass\"}").status);
        final String kept = session(signIn("a@example.com", "long enough pass"));
        final String ended = session(signIn("a@example.com", "long enough pass"));
        assertEquals(303, form(ended, "/sign-out").statusCode());
        cp.close();
        cp = new ControlPlaneHarness(dir.resolve("data"));
        assertEquals(200, page(kept, "/links").statusCode(), "the store kept the session");
        assertEquals(303, page(ended, "/links").statusCode(), "a signed-out session stays out");
        assertEquals(303, form(kept, "/links/new", "url", "https://a.example/kept").statusCode(), "and its forms' token with it");
    }

    @Test
    void anAdminGrantsAnAccountABrandedDomainOnItsOwnKey() throws Exception
    {
        assertEquals(201, cp.post("/api/v1/domains", cp.adminKey, "{\"name\":\"go.brand.test\"}").status);
        final ControlPlaneHarness.Answer made = cp.post("/api/v1/accounts", cp.adminKey,
            "{\"email\":\"a@example.com\",\"password\":\"long enough pass\"}");
        final String session = session(signIn("a@example.com", "long enough pass"));
        assertEquals(403, form(session, "/links/new", "url", "https://a.example/", "domain", "go.brand.test").statusCode());
        assertEquals(200, cp.call("PATCH", "/api/v1/keys/" + made.text("keyId"), cp.adminKey, "{\"domains\":[\"go.brand.test\"]}").status);
        final HttpResponse<String> branded = form(session, "/links/new", "url", "https://a.example/", "domain", "go.brand.test");
        assertEquals(303, branded.statusCode(), branded.body());
        assertTrue(branded.headers().firstValue("Location").orElseThrow().startsWith("/links/go.brand.test/"));
    }

    @Test
    void refusesBadAccountsAndNeverAnswersAPassword() throws Exception
    {
        assertEquals("account-password", cp.post("/api/v1/accounts", cp.adminKey, "{\"email\":\"a@example.com\",\"password\":\"short\"}").rule());
        assertEquals("account-email", cp.post("/api/v1/accounts", cp.adminKey, "{\"email\":\"nobody\",\"password\":\"long enough pass\"}").rule());
        assertEquals("account-role", cp.post("/api/v1/accounts", cp.adminKey,
            "{\"email\":\"a@example.com\",\"password\":\"long enough pass\",\"role\":\"owner\"}").rule());
        final ControlPlaneHarness.Answer made = cp.post("/api/v1/accounts", cp.adminKey,
            "{\"email\":\"A@Example.com\",\"password\":\"long enough pass\"}");
        assertEquals(201, made.status);
        assertEquals("a@example.com", made.text("email"));
        assertFalse(made.raw.body().contains("long enough pass"));
        assertEquals(409, cp.post("/api/v1/accounts", cp.adminKey, "{\"email\":\"a@example.com\",\"password\":\"long enough pass\"}").status);
        assertEquals(403, cp.get("/api/v1/accounts", cp.newKey("writer", "[\"links:write\"]", null)).status);
        // The last enabled admin cannot be disabled or demoted.
        assertEquals("last-admin", cp.call("PATCH", "/api/v1/accounts/1", cp.adminKey, "{\"disabled\":true}").rule());
        assertEquals("last-admin", cp.call("PATCH", "/api/v1/accounts/1", cp.adminKey, "{\"role\":\"member\"}").rule());
        assertEquals(404, cp.call("PATCH", "/api/v1/accounts/99", cp.adminKey, "{\"disabled\":true}").status);
    }

    @Test
    void anAccountAndItsKeysShareTheirLinksAndNobodyElseSeesThem() throws Exception
    {
        for (final String email : new String[] {"one@example.com", "two@example.com"})
        {
            assertEquals(201, cp.post("/api/v1/accounts", cp.adminKey, "{\"email\":\"" + email + "\",\"password\":\"long enough pass\"}").status);
        }
        final String one = session(signIn("one@example.com", "long enough pass"));
        final String two = session(signIn("two@example.com", "long enough pass"));
        final String oneKey = mintKey(one);
        final String twoKey = mintKey(two);

        // A link made with one's key is one's, in the dashboard too; two sees it nowhere.
        final ControlPlaneHarness.Answer link = cp.post("/api/v1/links", oneKey, "{\"url\":\"https://a.example/one\"}");
        final String code = link.text("code");
        final String domain = link.text("domain");
        assertTrue(page(one, "/links").body().contains(code));
        assertEquals(200, page(one, "/links/" + domain + "/" + code).statusCode());
        assertFalse(page(two, "/links").body().contains(code));
        assertEquals(404, page(two, "/links/" + domain + "/" + code).statusCode());
        assertEquals(404, cp.get("/api/v1/links/" + code, twoKey).status);
        assertEquals(200, cp.get("/api/v1/links/" + code, cp.adminKey).status, "an admin sees every link");
        // A link made in the dashboard is seen by the account's key.
        final HttpResponse<String> made = form(one, "/links/new", "url", "https://a.example/from-the-dashboard");
        assertEquals(303, made.statusCode());
        final String dashboardCode = made.headers().firstValue("Location").orElseThrow().replaceAll(".*/([^/?]+)\\?created=1$", "$1");
        assertEquals(200, cp.get("/api/v1/links/" + dashboardCode, oneKey).status);
        // Two cannot revoke one's key; one can.
        final String oneKeyId = cp.get("/api/v1/keys", cp.adminKey).json.get("keys").get(1).get("id").asText();
        assertEquals(404, form(two, "/keys/" + oneKeyId + "/revoke").statusCode());

        // A new password ends two's sessions (its keys go on: they are not its password).
        assertEquals(200, cp.call("PATCH", "/api/v1/accounts/3", cp.adminKey, "{\"password\":\"another long pass\"}").status);
        assertEquals(303, page(two, "/links").statusCode(), "signed out by the new password");
        assertEquals(401, signIn("two@example.com", "long enough pass").statusCode());
        assertEquals(303, signIn("two@example.com", "another long pass").statusCode());
        assertEquals(200, cp.get("/api/v1/links", twoKey).status);

        // Disabled, one signs in to nothing, its session ends and its key stops.
        assertEquals(200, cp.call("PATCH", "/api/v1/accounts/2", cp.adminKey, "{\"disabled\":true}").status);
        assertEquals(401, cp.get("/api/v1/links", oneKey).status);
        assertEquals(303, page(one, "/links").statusCode(), "back to the sign-in form");
        assertEquals(401, signIn("one@example.com", "long enough pass").statusCode());
        assertEquals(200, cp.get("/api/v1/links", twoKey).status);
    }

    private HttpResponse<String> signIn(final String email, final String password) throws Exception
    {
        final HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(cp.base() + "/sign-in")).build(),
            HttpResponse.BodyHandlers.ofString());
        final String cookie = form.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        return http.send(HttpRequest.newBuilder(URI.create(cp.base() + "/sign-in")).header("Cookie", cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(encode("csrf", csrf(form.body()), "email", email, "password", password))).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String session(final HttpResponse<String> signedIn)
    {
        assertEquals(303, signedIn.statusCode(), signedIn.body());
        return signedIn.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("bounce_session=")).findFirst().orElseThrow()
            .split(";", 2)[0];
    }

    private String mintKey(final String session) throws Exception
    {
        final HttpResponse<String> answer = form(session, "/keys", "name", "script", "scope-links:write", "on", "scope-links:read", "on");
        assertEquals(201, answer.statusCode(), answer.body());
        final Matcher matcher = SECRET.matcher(answer.body());
        assertTrue(matcher.find(), answer.body());
        return matcher.group(1);
    }

    private HttpResponse<String> page(final String session, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(cp.base() + path)).header("Cookie", session).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> form(final String session, final String path, final String... fields) throws Exception
    {
        final String token = csrf(page(session, "/keys").body());
        final String[] all = new String[fields.length + 2];
        all[0] = "csrf";
        all[1] = token;
        System.arraycopy(fields, 0, all, 2, fields.length);
        return http.send(HttpRequest.newBuilder(URI.create(cp.base() + path)).header("Cookie", session)
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(encode(all))).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String csrf(final String page)
    {
        final Matcher matcher = CSRF.matcher(page);
        assertTrue(matcher.find(), page);
        return matcher.group(1);
    }

    private static String encode(final String... fields)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i + 1 < fields.length; i += 2)
        {
            out.append(out.length() == 0 ? "" : "&").append(URLEncoder.encode(fields[i], StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
        }
        return out.toString();
    }
}
