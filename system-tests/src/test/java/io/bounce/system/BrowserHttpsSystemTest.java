package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.bounce.edge.EdgeConfig;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.tls.DevelopmentCa;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import picocli.CommandLine;

/**
 * A real browser follows an {@code https://} short link: headless Chromium (Debian's, driven by Selenium
 * through chromium-driver, installed where missing) trusting the development CA the way a user's machine
 * would, through its NSS database, not with certificate errors switched off. An untrusted certificate
 * would leave it on an error page at the short link; a broken redirect would leave it there too.
 */
class BrowserHttpsSystemTest
{
    @TempDir
    Path dir;

    @Test
    void chromiumFollowsAnHttpsShortLinkWithTheCaTrusted() throws Exception
    {
        Stack.ensureTool("chromium", "chromium");
        Stack.ensureTool("chromedriver", "chromium-driver");
        Stack.ensureTool("certutil", "libnss3-tools");

        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        DevelopmentCa.write(dir, "localhost", ca.issue(List.of("localhost"), "EC", Duration.ofDays(30)));
        // The browser's own trust store: an NSS database under its HOME, holding the CA.
        final Path home = Files.createDirectories(dir.resolve("home"));
        final Path nss = Files.createDirectories(home.resolve(".pki/nssdb"));
        run("certutil", "-d", "sql:" + nss, "-N", "--empty-password");
        run("certutil", "-d", "sql:" + nss, "-A", "-t", "C,,", "-n", "bounce-development-ca", "-i", ca.caFile().toString());

        final HttpServer landing = Stack.landingPage();
        final String destination = "http://127.0.0.1:" + landing.getAddress().getPort() + "/landing";
        Files.writeString(dir.resolve("links.tsv"), "go\t" + destination + "\n");

        final EdgeConfig config = new EdgeConfig();
        new CommandLine(config).parseArgs("--data-dir", dir.resolve("edge").toString(), "--host", "127.0.0.1", "--port", "0",
            "--admin-port", "0", "--https-port", "0", "--expected-links", "1000", "--import", dir.resolve("links.tsv").toString(),
            "--tls-cert", dir.resolve("localhost.pem").toString(), "--tls-key", dir.resolve("localhost.key").toString());
        ChromeDriver browser = null;
        try (EdgeNode edge = EdgeNode.start(config.conclude(), SystemEpochClock.INSTANCE, new PrintStream(new ByteArrayOutputStream())))
        {
            final ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(Stack.which("chromedriver")))
                .usingAnyFreePort()
                .withEnvironment(Map.of("HOME", home.toString()))
                .build();
            final ChromeOptions options = new ChromeOptions()
                .setBinary(Stack.which("chromium"))
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--user-data-dir=" + dir.resolve("profile"), "--no-first-run");
            browser = new ChromeDriver(service, options);
            browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            browser.get("https://localhost:" + edge.httpsAddress().getPort() + "/go");
            assertEquals(destination, browser.getCurrentUrl(), "the browser followed the redirect to its destination");
            assertEquals("Landed", browser.getTitle());
            assertTrue(Stack.sample(Stack.metrics(edge), "bounce_edge_responses_total{status=\"302\"}") >= 1);
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

    private static void run(final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ": " + output);
    }
}
