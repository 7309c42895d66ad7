package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.bounce.control.ControlPlaneConfig;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import picocli.CommandLine;

/**
 * The dashboard in a real browser: headless Chromium (Debian's, driven by Selenium through chromium-driver, installed
 * where missing) against a real control plane and a real edge on loopback. A link maker signs in, makes a link,
 * follows it on the edge in the same browser, watches the click reach the chart, edits the destination inside the edit
 * window and is refused after it (the control plane's clock moved on, not the test's sleep), makes an API key and signs
 * out; an admin sees the domains. Every page is screenshot into {@code target/dashboard-screenshots/} and checked with
 * axe-core (from the npm registry) inside the same browser: no serious or critical violation of WCAG 2.1 A/AA.
 * Then, over plain HTTP: a form without its CSRF token, a session id fixed before sign-in, another account's link by
 * URL, and a run of wrong passwords all fail.
 */
class DashboardBrowserSystemTest
{
    private static final String AXE_VERSION = "4.14.1";
    private static final String MAKER = "maker@example.com";
    private static final String OTHER = "other@example.com";
    private static final String PASSWORD = "correct horse battery";
    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");

    @TempDir
    Path dir;

    /** The control plane's clock: real time plus what the test adds (to close an edit window without waiting 10 minutes). */
    private final AtomicLong offsetMs = new AtomicLong();
    private final EpochClock clock = () -> System.currentTimeMillis() + offsetMs.get();

    @Test
    void aLinkMakerSignsInMakesALinkSeesItsClickAndIsHeldToTheEditWindow() throws Exception
    {
        Stack.ensureTool("chromium", "chromium");
        Stack.ensureTool("chromedriver", "chromium-driver");
        final String axe = axeSource();

        final HttpServer landing = Stack.landingPage();
        // A name, not 127.0.0.1: the control plane refuses loopback destinations (a loop). The browser alone resolves it here.
        final String destination = "http://landing.example.com:" + landing.getAddress().getPort() + "/landing";
        final int edgePort = Stack.freePorts(1)[0];
        ChromeDriver browser = null;
        try (ControlPlaneNode cp = controlPlane("--short-url-scheme", "http",
            "--short-url-port", Integer.toString(edgePort), "--dashboard-refresh-ms", "1000", "--sign-in-lockout-failures", "3",
            "--sign-ins-per-address-per-minute", "1000");
            EdgeNode edge = Stack.edge(dir.resolve("edge"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE,
                "--port", Integer.toString(edgePort), "--click-rotate-ms", "200"))
        {
            final String base = Stack.base(cp);
            final String adminPassword = Files.readString(dir.resolve("cp").resolve("admin.password")).trim();
            Stack.api(cp, "POST", "/api/v1/accounts", "{\"email\":\"" + MAKER + "\",\"password\":\"" + PASSWORD + "\"}");
            Stack.api(cp, "POST", "/api/v1/accounts", "{\"email\":\"" + OTHER + "\",\"password\":\"" + PASSWORD + "\",\"role\":\"member\"}");

            browser = chromium();
            final Pages pages = new Pages(browser, axe);
            // Signed out, any page leads to the sign-in form, and back after it.
            browser.get(base + "/links");
            assertTrue(browser.getCurrentUrl().startsWith(base + "/sign-in"), browser.getCurrentUrl());
            pages.check("sign-in");
            browser.findElement(By.id("email")).sendKeys(MAKER);
            browser.findElement(By.id("password")).sendKeys(PASSWORD);
            pages.go(By.cssSelector("form[action='/sign-in'] button"));
            assertEquals(base + "/links", browser.getCurrentUrl());
            assertTrue(browser.findElement(By.className("who")).getText().contains(MAKER));
            pages.check("links-empty");

            // Make a link; a bad one first, to see the API's problem beside its field.
            pages.go(By.linkText("New link"));
            pages.check("new-link");
            browser.findElement(By.id("url")).sendKeys("ftp://example.com/x");
            pages.go(By.cssSelector("form[action='/links/new'] button"));
            assertTrue(browser.findElement(By.id("form-error")).getText().contains("http"), browser.findElement(By.id("form-error")).getText());
            assertEquals("true", browser.findElement(By.id("url")).getAttribute("aria-invalid"));
            pages.check("new-link-error");
            browser.findElement(By.id("url")).clear();
            browser.findElement(By.id("url")).sendKeys(destination);
            browser.findElement(By.id("tags")).sendKeys("Spring-Sale, email");
            pages.go(By.cssSelector("form[action='/links/new'] button"));
            assertTrue(browser.getCurrentUrl().contains("?created=1"), browser.getCurrentUrl());
            final String shortUrl = browser.findElement(By.cssSelector(".facts a")).getAttribute("href");
            final String code = shortUrl.substring(shortUrl.lastIndexOf('/') + 1);
            final String linkPage = base + "/links/localhost/" + code;
            pages.check("link");
            // Its tags lead to the links that carry them.
            pages.go(By.linkText("spring-sale"));
            assertTrue(browser.getCurrentUrl().endsWith("/links?tag=spring-sale"), browser.getCurrentUrl());
            assertEquals(1, browser.findElements(By.cssSelector("table.links tbody tr")).size());
            pages.check("links-tagged");
            browser.get(linkPage);
            final ChromeDriver b = browser;
            // The countdown to the edit window's end runs in the page (the server wrote only the window's end).
            Stack.await("the edit window's countdown", 10_000, () ->
                b.findElement(By.id("edit-window")).getText().matches("You can change the destination for \\d+:\\d\\d more\\."));
            assertEquals("0", browser.findElement(By.id("chart")).getAttribute("data-total"), "no click yet");

            // Follow it on the edge, in the same browser (another tab), once the edge has it (HEAD is never a click).
            Stack.await("the edge has the link", 20_000, () -> head("http://127.0.0.1:" + edgePort + "/" + code) == 302);
            final String linkTab = browser.getWindowHandle();
            browser.switchTo().newWindow(WindowType.TAB);
            browser.get(shortUrl);
            assertEquals(destination, browser.getCurrentUrl());
            assertEquals("Landed", browser.getTitle());
            browser.close();
            browser.switchTo().window(linkTab);

            // The link's page, never reloaded, shows the click within the freshness window (click files every 200 ms, the
            // page's refresh every 1 s): its chart, its figures.
            Stack.await("the click in the chart", 30_000, () -> "1".equals(b.findElement(By.id("chart")).getAttribute("data-total")));
            assertTrue(browser.findElement(By.id("updated")).getText().startsWith("Updated "), "the refresh said when it ran");
            assertEquals("1", browser.findElement(By.cssSelector("[data-stat='clicks']")).getText());
            assertFalse(browser.findElements(By.cssSelector("#chart canvas")).isEmpty(), "uPlot drew the chart");
            pages.check("link-with-click");
            final HttpResponse<String> svg = pages.fetch(linkPage + "/qr.svg?download=1");
            assertEquals("image/svg+xml", svg.headers().firstValue("Content-Type").orElse(""));
            assertTrue(svg.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
            assertTrue(pages.fetch(linkPage + "/qr.png?download=1").body().startsWith("\u0089PNG"));
            final String csv = pages.fetch(linkPage + "/clicks.csv?granularity=day").body();
            assertTrue(csv.startsWith("section,name,clicks,bot_clicks\r\ntotal,clicks,1,"), csv);
            assertTrue(csv.contains("\r\nbrowsers,Chrome,1,\r\n"), csv);
            browser.get(linkPage + "?granularity=hour");
            pages.check("link-per-hour");

            // Inside the edit window the destination changes.
            browser.findElement(By.id("url")).clear();
            browser.findElement(By.id("url")).sendKeys(destination + "?v=2");
            pages.go(By.cssSelector("#edit-form button"));
            assertTrue(browser.getCurrentUrl().endsWith("?saved=1"), browser.getCurrentUrl());
            assertEquals(destination + "?v=2", browser.findElement(By.id("destination")).getText());
            // The page stays open while the window closes (the control plane's clock moves 11 minutes); the save is refused.
            browser.findElement(By.id("url")).clear();
            browser.findElement(By.id("url")).sendKeys(destination + "?v=3");
            offsetMs.addAndGet(11 * 60_000L);
            pages.go(By.cssSelector("#edit-form button"));
            assertTrue(browser.findElement(By.id("form-error")).getText().contains("could only change until"), browser.findElement(By.id("form-error")).getText());
            assertEquals(destination + "?v=2", browser.findElement(By.id("destination")).getText());
            assertTrue(browser.findElements(By.id("edit-form")).isEmpty(), "no edit form once the window has closed");
            pages.check("link-edit-refused");

            // A phone's width.
            browser.manage().window().setSize(new Dimension(390, 1400));
            browser.get(linkPage);
            pages.check("link-phone");
            browser.manage().window().setSize(new Dimension(1280, 1400));

            // Keys: make one, see its secret once.
            pages.go(By.linkText("API keys"));
            pages.check("keys");
            browser.findElement(By.id("name")).sendKeys("my script");
            pages.go(By.cssSelector("form[action='/keys'] button"));
            final String secret = browser.findElement(By.id("secret")).getAttribute("value");
            assertTrue(secret.startsWith("bnc_"));
            pages.check("keys-made");
            // The key acts as the account: it lists the link the dashboard made.
            assertTrue(Stack.call("GET", base + "/api/v1/links", secret, null).body().contains(code));

            // Sign out: the session is over.
            pages.go(By.cssSelector("form.sign-out button"));
            assertTrue(browser.getCurrentUrl().startsWith(base + "/sign-in"));
            assertTrue(browser.findElement(By.cssSelector("[role='status']")).getText().contains("signed out"));
            browser.get(base + "/links");
            assertTrue(browser.getCurrentUrl().startsWith(base + "/sign-in"));

            // An admin signs in by keyboard alone (the email field has focus; Tab, then Enter), sees everyone's links, takes
            // the maker's down, and sees the domains.
            browser.switchTo().activeElement().sendKeys("admin@localhost", Keys.TAB);
            assertEquals("password", browser.switchTo().activeElement().getAttribute("id"), "Tab goes from the email to the password");
            browser.switchTo().activeElement().sendKeys(adminPassword, Keys.ENTER);
            Stack.await("signed in by keyboard", 30_000, () -> b.getCurrentUrl().equals(base + "/links"));
            assertFalse(browser.findElements(By.linkText("localhost/" + code)).isEmpty(), "the admin sees the maker's link");
            pages.check("links-admin");
            browser.findElement(By.tagName("body")).sendKeys(Keys.TAB);
            assertEquals("Skip to content", browser.switchTo().activeElement().getText(), "the first Tab stop skips to the content");
            browser.get(linkPage);
            browser.findElement(By.id("reason")).sendKeys("phishing report");
            pages.go(By.cssSelector("form[action$='/takedown'] button"));
            assertTrue(browser.findElement(By.className("facts")).getText().contains("Taken down"));
            pages.go(By.linkText("Domains"));
            pages.check("domains");

            httpRefusals(base, code);
        }
        finally
        {
            if (browser != null)
            {
                browser.quit();
            }
            landing.stop(0);
        }
    }

    /** What a browser would not send by itself: each must fail. */
    private void httpRefusals(final String base, final String makersCode) throws Exception
    {
        // Another account's link, by its URL: as if it did not exist.
        final DashboardClient other = new DashboardClient(base);
        assertEquals(303, other.signIn(OTHER, PASSWORD).statusCode());
        assertEquals(404, other.get("/links/localhost/" + makersCode).statusCode());
        assertEquals(404, other.get("/links/localhost/" + makersCode + "/report.json").statusCode());
        final String token = other.csrf("/links/new");
        assertEquals(404, other.post("/links/localhost/" + makersCode + "/delete", "csrf", token).statusCode());

        // A form without its token, or with another session's: refused, nothing made.
        final HttpResponse<String> noToken = other.post("/links/new", "url", "https://example.com/csrf");
        assertEquals(403, noToken.statusCode());
        assertEquals(403, other.post("/links/new", "csrf", "forged", "url", "https://example.com/csrf").statusCode());
        assertFalse(other.get("/links").body().contains("example.com/csrf"));
        // The sign-in form's own token: a POST without it signs nobody in.
        final DashboardClient forged = new DashboardClient(base);
        assertEquals(403, forged.post("/sign-in", "email", OTHER, "password", PASSWORD).statusCode());
        assertFalse(forged.cookies.containsKey("bounce_session"));

        // A fixed session id: planted before sign-in, it is not the one sign-in gives, and it opens nothing.
        final DashboardClient victim = new DashboardClient(base);
        victim.cookies.put("bounce_session", "planted-by-an-attacker-0123456789abcdefghijkl");
        assertEquals(303, victim.signIn(OTHER, PASSWORD).statusCode());
        assertNotEquals("planted-by-an-attacker-0123456789abcdefghijkl", victim.cookies.get("bounce_session"));
        final DashboardClient attacker = new DashboardClient(base);
        attacker.cookies.put("bounce_session", "planted-by-an-attacker-0123456789abcdefghijkl");
        assertEquals(303, attacker.get("/links").statusCode(), "the planted id is signed out");
        // And an old session id stops working at sign-out.
        final String session = other.cookies.get("bounce_session");
        assertEquals(303, other.post("/sign-out", "csrf", token).statusCode());
        final DashboardClient replay = new DashboardClient(base);
        replay.cookies.put("bounce_session", session);
        assertEquals(303, replay.get("/links").statusCode());

        // Wrong passwords: after 3 the account is locked, even for the right one.
        final DashboardClient guesser = new DashboardClient(base);
        for (int i = 0; i < 3; i++)
        {
            assertEquals(401, guesser.signIn(MAKER, "wrong password " + i).statusCode());
        }
        final HttpResponse<String> locked = guesser.signIn(MAKER, PASSWORD);
        assertEquals(429, locked.statusCode());
        assertTrue(locked.body().contains("locked"), locked.body());
        assertTrue(locked.headers().firstValue("Retry-After").isPresent());
    }

    private ControlPlaneNode controlPlane(final String... args) throws Exception
    {
        final List<String> all = new java.util.ArrayList<>(List.of("--data-dir", dir.resolve("cp").toString(), "--port", "0",
            "--admin-port", "0", "--replication-heartbeat-ms", "200"));
        all.addAll(List.of(args));
        final ControlPlaneConfig config = new ControlPlaneConfig();
        new CommandLine(config).parseArgs(all.toArray(new String[0]));
        return ControlPlaneNode.start(config.conclude(), clock, new PrintStream(new ByteArrayOutputStream()));
    }

    private static int head(final String url)
    {
        try
        {
            return Stack.HTTP.send(HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }

    private ChromeDriver chromium() throws Exception
    {
        final ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(Stack.which("chromedriver"))).usingAnyFreePort().build();
        final ChromeOptions options = new ChromeOptions().setBinary(Stack.which("chromium"))
            .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1400",
                "--host-resolver-rules=MAP landing.example.com 127.0.0.1",
                // Headless Chromium says "HeadlessChrome", which the aggregator rightly counts as a bot; a person's doesn't.
                "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
                "--user-data-dir=" + dir.resolve("profile"));
        final ChromeDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return browser;
    }

    /** axe-core's script, from the npm registry (installed once into target/npm). */
    private static String axeSource() throws Exception
    {
        final Path npm = Path.of("target", "npm").toAbsolutePath();
        final Path script = npm.resolve("node_modules/axe-core/axe.min.js");
        if (!Files.exists(script))
        {
            Stack.ensureTool("npm", "npm");
            final Process install = new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", npm.toString(),
                "axe-core@" + AXE_VERSION).redirectErrorStream(true).start();
            final String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(install.waitFor(300, TimeUnit.SECONDS) && install.exitValue() == 0, "npm install axe-core: " + output);
        }
        return Files.readString(script);
    }

    /** Each page: a screenshot kept as a build artifact, and axe-core's verdict. */
    private static final class Pages
    {
        private final ChromeDriver browser;
        private final String axe;

        Pages(final ChromeDriver browser, final String axe)
        {
            this.browser = browser;
            this.axe = axe;
        }

        /** Click what leads to another page (a link, a form's button) and wait until that page has loaded. */
        void go(final By what) throws InterruptedException
        {
            final WebElement before = browser.findElement(By.tagName("html"));
            browser.findElement(what).click();
            Stack.await("the next page after " + what, 30_000, () ->
            {
                try
                {
                    before.isDisplayed();
                    return false;
                }
                catch (final org.openqa.selenium.WebDriverException gone) // stale, or "does not belong to the document"
                {
                    return "complete".equals(browser.executeScript("return document.readyState"));
                }
            });
        }

        void check(final String name) throws Exception
        {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
            final JavascriptExecutor js = browser;
            js.executeScript(axe);
            final Object found = js.executeAsyncScript("const done = arguments[arguments.length - 1];" +
                "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})" +
                ".then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')" +
                ".map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))" +
                ".catch(e => done(['axe failed: ' + e]));");
            assertEquals(List.of(), found, "axe-core on " + name + " (" + browser.getCurrentUrl() + ")");
        }

        /** GET {@code url} with this browser's session, as its download links do. */
        HttpResponse<String> fetch(final String url) throws Exception
        {
            final String session = browser.manage().getCookieNamed("bounce_session").getValue();
            return Stack.HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", "bounce_session=" + session).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        }
    }
}
