package io.bounce.control.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bounce.control.ControlPlaneConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DashboardPartsTest
{
    @Test
    void locksAnAccountAfterItsFailuresInARowAndForgetsThemAfterASuccess()
    {
        final SignInLimits limits = new SignInLimits(options("--sign-in-lockout-failures", "3", "--sign-in-lockout-minutes", "15"));
        final long now = 1_000_000;
        assertFalse(limits.failed("Maker@Example.com", now));
        assertFalse(limits.failed("maker@example.com", now));
        limits.succeeded("maker@example.com");
        assertFalse(limits.failed("maker@example.com", now));
        assertFalse(limits.failed("maker@example.com", now));
        assertEquals(0, limits.lockedMs("maker@example.com", now));
        assertTrue(limits.failed("maker@example.com", now), "the third wrong password in a row locks");
        assertEquals(15 * 60_000L, limits.lockedMs(" MAKER@example.com", now), "by email, any case");
        assertEquals(0, limits.lockedMs("someone@example.com", now), "one account's lockout is its own");
        assertEquals(0, limits.lockedMs("maker@example.com", now + 15 * 60_000L), "until the lockout ends");
        assertFalse(limits.failed("maker@example.com", now + 15 * 60_000L), "a lockout that ended starts the count over");
    }

    @Test
    void throttlesAnAddressPastItsTriesAMinute()
    {
        final SignInLimits limits = new SignInLimits(options("--sign-ins-per-address-per-minute", "2"));
        final byte[] address = {10, 0, 0, 1};
        assertEquals(0, limits.takeTry(address, 0));
        assertEquals(0, limits.takeTry(address, 0));
        assertTrue(limits.takeTry(address, 0) > 0, "the third try in the same instant waits");
        assertEquals(0, limits.takeTry(new byte[] {10, 0, 0, 2}, 0), "another address has its own budget");
        assertEquals(0, limits.takeTry(address, 30_000_000_000L), "half a minute later one more try has come back");
    }

    @Test
    void leavesEveryPathButItsOwnToTheApiTheLogAndTheIngest()
    {
        for (final String path : new String[] {"/", "/sign-in", "/links", "/links/new", "/links/bnc.test/abc/qr.svg", "/keys/3/revoke",
            "/domains", "/assets/0123/app.js", "/favicon.ico"})
        {
            assertTrue(Dashboard.serves(path), path);
        }
        for (final String path : new String[] {"/api/v1/links", "/ingest/v1/files/e1/1", "/replication/v1/tail", "/linksx", "/metrics", ""})
        {
            assertFalse(Dashboard.serves(path), path);
        }
    }

    @Test
    void sendsSignedInBrowsersOnlyToPathsOnThisSite()
    {
        assertEquals("/links/localhost/abc", SignInPage.local("/links/localhost/abc"));
        assertEquals("/links", SignInPage.local(null));
        assertEquals("/links", SignInPage.local("https://evil.example/"));
        assertEquals("/links", SignInPage.local("//evil.example/"));
        assertEquals("/links", SignInPage.local("/\\evil.example/"));
        assertEquals("/links", SignInPage.local("/links\r\nSet-Cookie: x=y"));
        assertEquals("/links", SignInPage.local("/sign-out"));
    }

    @Test
    void escapesTextAndKeepsJsonInsideItsScriptElement()
    {
        assertEquals("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;", Html.escape("<script>alert('x')</script> & \""));
        final String json = Html.scriptJson("{\"name\":\"</script><script>alert(1)</script>\"}");
        assertFalse(json.contains("<"), json);
        assertEquals("a=&quot;x&quot;", new Html().raw("a=").text("\"x\"").toString());
        assertEquals(" href=\"/links?q=&lt;b&gt;\"", new Html().attr("href", "/links?q=<b>").toString());
    }

    @Test
    void writesCsvCellsThatNoSpreadsheetRunsAsAFormula()
    {
        assertEquals("plain", LinkPage.ClicksCsv.cell("plain"));
        assertEquals("\"a,b\"", LinkPage.ClicksCsv.cell("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", LinkPage.ClicksCsv.cell("say \"hi\""));
        assertEquals("\"'=HYPERLINK(\"\"http://evil\"\")\"", LinkPage.ClicksCsv.cell("=HYPERLINK(\"http://evil\")"));
        assertEquals("\"'+1\"", LinkPage.ClicksCsv.cell("+1"));
        assertEquals("\"'@SUM(A1)\"", LinkPage.ClicksCsv.cell("@SUM(A1)"));
    }

    private static DashboardOptions options(final String... args)
    {
        final ControlPlaneConfig config = new ControlPlaneConfig();
        new CommandLine(config).parseArgs(args);
        return config.conclude().dashboard();
    }
}
