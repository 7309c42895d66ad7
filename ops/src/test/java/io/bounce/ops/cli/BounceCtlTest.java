package io.bounce.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.bounce.control.ControlPlaneHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** bouncectl against a real control plane over loopback. */
class BounceCtlTest
{
    @TempDir
    Path dir;
    private ControlPlaneHarness cp;

    private static final class Run
    {
        final int exit;
        final String out;
        final String err;

        Run(final int exit, final String out, final String err)
        {
            this.exit = exit;
            this.out = out;
            this.err = err;
        }
    }

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

    private Run ctl(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("--api", cp.base(), "--key", cp.adminKey));
        all.addAll(Arrays.asList(args));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = BounceCtl.run(all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void shouldManageALinkThroughItsLife() throws Exception
    {
        final Run created = ctl("links", "create", "https://example.com/launch", "--alias", "launch", "--redirect", "301");
        assertEquals(0, created.exit, created.err);
        assertTrue(created.out.startsWith("https://bnc.test/launch -> https://example.com/launch"), created.out);

        final Run json = ctl("--json", "links", "get", "launch");
        assertEquals(0, json.exit);
        assertEquals("launch", ControlPlaneHarness.JSON.readTree(json.out).get("code").asText());

        assertEquals(0, ctl("links", "update", "launch", "--url", "https://example.com/v2", "--forward-query", "true").exit);
        assertTrue(ctl("links", "get", "launch").out.contains("https://example.com/v2"));
        assertTrue(ctl("links", "list").out.contains("launch"));
        assertEquals(0, ctl("takedown", "launch", "--reason", "reported").exit);
        assertTrue(ctl("links", "get", "launch").out.contains("DISABLED"));
        assertEquals(0, ctl("links", "delete", "launch").exit);

        final Run gone = ctl("links", "get", "launch");
        assertEquals(1, gone.exit);
        assertTrue(gone.err.contains("410 Gone"), gone.err);
    }

    @Test
    void shouldCreateAndChangeALinksRulesFromAFile(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception
    {
        final java.nio.file.Path rules = dir.resolve("rules.json");
        java.nio.file.Files.writeString(rules, "{\"targets\": [{\"if\": {\"os\": \"android\"}, \"url\": \"https://play.example.com/\"}]," +
            " \"utm\": {\"source\": \"cli\"}}");
        final Run created = ctl("links", "create", "https://example.com/app", "--alias", "app-rules", "--rules", rules.toString());
        assertEquals(0, created.exit, created.err);
        assertTrue(created.out.contains("target         if {\"os\":[\"android\"]} -> https://play.example.com/"), created.out);
        assertTrue(created.out.contains("utm            {\"source\":\"cli\"}"), created.out);

        java.nio.file.Files.writeString(rules, "{\"utm\": null, \"expiredUrl\": \"https://example.com/ended\"}");
        assertEquals(0, ctl("links", "update", "app-rules", "--rules", rules.toString()).exit);
        final Run shown = ctl("links", "get", "app-rules");
        assertTrue(shown.out.contains("when expired   https://example.com/ended") && !shown.out.contains("utm "), shown.out);
        assertTrue(shown.out.contains("play.example.com"), "rules the file leaves out stay: " + shown.out);

        assertTrue(ctl("links", "update", "app-rules", "--max-clicks", "500").out.contains("max clicks     500"));
        final Run unlimited = ctl("links", "update", "app-rules", "--no-max-clicks");
        assertEquals(0, unlimited.exit, unlimited.err);
        assertTrue(unlimited.out.contains("play.example.com") && !unlimited.out.contains("max clicks"), unlimited.out);

        final java.nio.file.Path password = dir.resolve("password.txt");
        java.nio.file.Files.writeString(password, "correct horse\n");
        final Run protectedLink = ctl("links", "update", "app-rules", "--password-file", password.toString());
        assertEquals(0, protectedLink.exit, protectedLink.err);
        assertTrue(protectedLink.out.contains("password       required") && !protectedLink.out.contains("correct"), protectedLink.out);
        assertTrue(ControlPlaneHarness.JSON.readTree(ctl("--json", "links", "get", "app-rules").out).get("passwordProtected").asBoolean());
        final Run open = ctl("links", "update", "app-rules", "--no-password");
        assertTrue(open.exit == 0 && !open.out.contains("password"), open.out);

        java.nio.file.Files.writeString(rules, "{\"url\": \"https://example.com/other\"}");
        final Run refused = ctl("links", "update", "app-rules", "--rules", rules.toString());
        assertEquals(2, refused.exit);
        assertTrue(refused.err.contains("'url' is not a rule"), refused.err);
    }

    @Test
    void shouldExitNonZeroWithTheServersProblemDetail()
    {
        final Run refused = ctl("links", "create", "javascript:alert(1)");
        assertEquals(1, refused.exit);
        assertTrue(refused.err.contains("400 Bad request: url must be an absolute http or https URL [url-scheme]"), refused.err);
        assertEquals(2, ctl("links", "create").exit, "usage errors exit 2");
        final StringWriter err = new StringWriter();
        final int unauthenticated = BounceCtl.run(new String[] {"--api", cp.base(), "links", "list"},
            new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(1, unauthenticated);
        assertTrue(err.toString().contains("401"), err.toString());
    }

    @Test
    void writesALinksQrCodeThatReadsBackAsItsShortUrl() throws Exception
    {
        final String shortUrl = ControlPlaneHarness.JSON.readTree(ctl("--json", "links", "create", "https://example.com/poster", "--alias",
            "poster").out).get("shortUrl").asText();
        final Path png = dir.resolve("poster.png");
        final Run wrote = ctl("links", "qr", "poster", "--format", "png", "--size", "256", "--out", png.toString());
        assertEquals(0, wrote.exit, wrote.err);
        assertEquals(shortUrl, io.bounce.control.QrDecode.png(java.nio.file.Files.readAllBytes(png)));
        final Path svg = dir.resolve("poster.svg");
        assertEquals(0, ctl("links", "qr", "poster", "--out", svg.toString()).exit);
        assertEquals(shortUrl, io.bounce.control.QrDecode.svg(java.nio.file.Files.readAllBytes(svg)));
        final Run gif = ctl("links", "qr", "poster", "--format", "gif");
        assertEquals(2, gif.exit);
        assertTrue(gif.err.contains("--format must be svg or png"), gif.err);
        assertEquals(1, ctl("links", "qr", "no-such-link", "--out", svg.toString()).exit);
    }

    @Test
    void aListOfControlPlanesGoesOnToTheNextWhenOneDoesNotAnswer() throws Exception
    {
        final int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            closed = socket.getLocalPort(); // nothing listens there once this closes
        }
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = BounceCtl.run(new String[] {"--api", "http://127.0.0.1:" + closed + "," + cp.base(), "--key", cp.adminKey,
            "links", "create", "https://example.com/listed", "--alias", "listed"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().contains("listed"), out.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:7070|2|--api must be a URL such as http://127.0.0.1:7070 (or several, comma-separated), not '127.0.0.1:7070'",
        "http://127.0.0.1:1|1|nothing answers at http://127.0.0.1:1; is the control plane running",
        "ADMIN|1|not as the Bounce API does; is --api the control plane's API port",
        "nonsense://|2|--api must be a URL"})
    void aMistakeIsOnePlainSentenceNamingWhatToFix(final String api, final int exit, final String says)
    {
        final String url = api.equals("ADMIN") ? "http://127.0.0.1:" + cp.node.adminAddress().getPort() : api;
        final StringWriter err = new StringWriter();
        assertEquals(exit, BounceCtl.run(new String[] {"--api", url, "--key", "k", "links", "list"},
            new PrintWriter(new StringWriter()), new PrintWriter(err, true)), err.toString());
        final String said = err.toString();
        assertTrue(said.contains(says), said);
        assertEquals(1, said.strip().lines().count(), "one line: " + said);
        assertFalse(said.contains("Exception") || said.contains("\tat ") || said.contains("null"), said);
    }

    @Test
    void aMissingFileIsOnePlainSentence()
    {
        final Run missing = ctl("links", "import", dir.resolve("nope.tsv").toString());
        assertEquals(1, missing.exit);
        assertEquals("bouncectl: no such file: " + dir.resolve("nope.tsv"), missing.err.strip());
    }

    @Test
    void importReportsBadLinesAndExportRoundTrips() throws Exception
    {
        final StringBuilder tsv = new StringBuilder("# code<TAB>url<TAB>status<TAB>domain\n");
        for (int i = 0; i < 2500; i++)
        {
            tsv.append(i % 2 == 0 ? "" : "alias" + i).append("\thttps://example.com/").append(i).append('\n');
        }
        tsv.append("broken-line\n");
        tsv.append("xy\tftp://nope.example/\n");
        final Path file = dir.resolve("links.tsv");
        Files.writeString(file, tsv);
        final Run imported = ctl("links", "import", file.toString(), "--batch", "500", "--parallel", "3");
        assertEquals(1, imported.exit, "some lines failed");
        assertTrue(imported.err.contains("imported: 2,503 lines, 2,500 created, 2 failed"), imported.err);
        assertTrue(imported.err.contains("line 2502: expected code,url,redirect,domain"), imported.err);
        assertTrue(imported.err.contains("line 2503: "), imported.err);

        final Path exported = dir.resolve("export.tsv");
        assertEquals(0, ctl("links", "export", exported.toString()).exit);
        final List<String> lines = Files.readAllLines(exported);
        assertEquals(2501, lines.size());
        assertEquals(LinkFile.HEADER, lines.get(0));
        assertTrue(lines.contains("alias1\thttps://example.com/1\t302\tbnc.test\tfalse\t\t"), lines.get(1));

        final Path csv = dir.resolve("more.csv");
        Files.writeString(csv, "quoted,\"https://example.com/a,b\",307\n");
        assertEquals(0, ctl("links", "import", csv.toString()).exit);
        assertTrue(ctl("links", "get", "quoted").out.contains("https://example.com/a,b"));
    }

    @Test
    void exportKeepsEveryFieldAndImportRestoresItWithoutRevivingOrDuplicatingAnything() throws Exception
    {
        assertEquals(0, ctl("links", "create", "https://example.com/live", "--alias", "live").exit);
        cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://example.com/fq\",\"alias\":\"fwd\",\"redirect\":308," +
            "\"forwardQuery\":true,\"expiresAt\":\"2030-06-01T12:00:00Z\"}");
        cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://phish.example/\",\"alias\":\"down\"}");
        cp.post("/api/v1/links/down/takedown", cp.adminKey, "{\"reason\":\"phishing\\treport\\n#42\"}");
        cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://example.com/old\",\"alias\":\"old\"," +
            "\"expiresAt\":\"2025-11-24T16:05:00Z\"}");
        cp.clock.update(ControlPlaneHarness.START_MS + 10 * 60_000); // "old" (expiry 16:05) has now expired
        final Path exported = dir.resolve("all.tsv");
        assertEquals(0, ctl("links", "export", exported.toString()).exit);
        final String text = Files.readString(exported);
        assertTrue(text.contains("fwd\thttps://example.com/fq\t308\tbnc.test\ttrue\t2030-06-01T12:00:00Z\t\n"), text);
        assertTrue(text.contains("down\thttps://phish.example/\t302\tbnc.test\tfalse\t\tphishing\\treport\\n#42\n"), text);
        assertEquals(5, text.split("\n").length, "a header and four links, one line each: " + text);

        try (ControlPlaneHarness target = new ControlPlaneHarness(dir.resolve("target")))
        {
            final String[] base = {"--api", target.base(), "--key", target.adminKey, "links", "import", exported.toString()};
            for (int run = 0; run < 2; run++)
            {
                final StringWriter err = new StringWriter();
                assertEquals(0, BounceCtl.run(base, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)), err.toString());
                assertTrue(err.toString().contains(run == 0 ? "3 created, 0 failed" : "0 created, 0 failed"), err.toString());
                assertTrue(err.toString().contains("skipped: 1 links already expired"), err.toString());
                if (run == 1)
                {
                    assertTrue(err.toString().contains("unchanged: 3 links"), "a second run creates nothing twice: " + err);
                }
            }
            assertEquals(3, target.get("/api/v1/links", target.adminKey).json.get("items").size());
            final ControlPlaneHarness.Answer down = target.get("/api/v1/links/down", target.adminKey);
            assertTrue(down.json.get("disabled").asBoolean(), "a taken-down link is not revived: " + down);
            assertEquals("phishing\treport\n#42", down.text("disabledReason"));
            final ControlPlaneHarness.Answer fq = target.get("/api/v1/links/fwd", target.adminKey);
            assertEquals(308, fq.json.get("redirect").asInt());
            assertTrue(fq.json.get("forwardQuery").asBoolean());
            assertEquals("2030-06-01T12:00:00Z", fq.text("expiresAt"));
            assertEquals(404, target.get("/api/v1/links/old", target.adminKey).status, "an expired link is not revived");

            final String writer = target.newKey("writer", "[\"links:write\"]", null);
            final StringWriter err = new StringWriter();
            final Path downOnly = Files.writeString(dir.resolve("down.tsv"), LinkFile.HEADER + "\nagain\thttps://phish.example/\t302\t\t\t\tx\n");
            assertEquals(1, BounceCtl.run(new String[] {"--api", target.base(), "--key", writer, "links", "import", downOnly.toString()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)));
            assertTrue(err.toString().contains("takedown-admin-only"), "only an admin restores a takedown: " + err);
        }

        final Path csv = Files.writeString(dir.resolve("sheet.csv"), "Code,URL,Redirect\nsheet,https://example.com/sheet,301\n");
        final Run sheet = ctl("links", "import", csv.toString());
        assertEquals(0, sheet.exit, "a spreadsheet's header row is skipped, not a failure: " + sheet.err);
        assertTrue(sheet.err.contains("1 created, 0 failed"), sheet.err);
    }

    @Test
    void importWaitsOutTheKeysRateLimitAndLosesNoLine() throws Exception
    {
        final String limited = cp.post("/api/v1/keys", cp.adminKey,
            "{\"name\":\"slow\",\"scopes\":[\"links:write\"],\"ratePerSecond\":20,\"burst\":3}").text("key");
        final StringBuilder tsv = new StringBuilder();
        for (int i = 0; i < 40; i++)
        {
            tsv.append("\thttps://example.com/limited/").append(i).append('\n');
        }
        final Path file = Files.writeString(dir.resolve("limited.tsv"), tsv);
        final StringWriter err = new StringWriter();
        final int exit = BounceCtl.run(new String[] {"--api", cp.base(), "--key", limited, "links", "import", file.toString(),
            "--batch", "1", "--parallel", "8"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(0, exit, err.toString());
        assertTrue(err.toString().contains("imported: 40 lines, 40 created, 0 failed"), err.toString());
        assertTrue(err.toString().contains("the key's rate limit held back"), "40 requests at 20/s with a burst of 3 meet the limit:\n" + err);
    }

    @Test
    void shouldTagLinksAndListThemByTag() throws Exception
    {
        final Run made = ctl("links", "create", "https://a.example/tagged", "--alias", "tagged", "--tag", "Launch,email", "--tag", "q4");
        assertEquals(0, made.exit, made.err);
        assertTrue(made.out.contains("  tags           launch, email, q4"), made.out);
        assertEquals(0, ctl("links", "create", "https://a.example/other", "--alias", "other").exit);
        final Run listed = ctl("links", "list", "--tag", "launch");
        assertTrue(listed.out.contains("tagged") && !listed.out.contains("other"), listed.out);
        final Run retagged = ctl("links", "update", "tagged", "--no-tags");
        assertEquals(0, retagged.exit, retagged.err);
        assertFalse(retagged.out.contains("tags"), retagged.out);
        final Run bad = ctl("links", "update", "tagged", "--tag", "no spaces");
        assertEquals(1, bad.exit);
        assertTrue(bad.err.contains("tags-invalid"), bad.err);
    }

    @Test
    void shouldManageAccountsWithPasswordsFromFiles() throws Exception
    {
        final Path password = dir.resolve("password.txt");
        java.nio.file.Files.writeString(password, "a long enough password\n");
        final Run made = ctl("accounts", "create", "maker@example.com", "--password-file", password.toString());
        assertEquals(0, made.exit, made.err);
        assertTrue(made.out.contains("maker@example.com (member)"), made.out);
        assertEquals(1, ctl("accounts", "create", "maker@example.com", "--password-file", password.toString()).exit, "one account an email");
        java.nio.file.Files.writeString(password, "short\n");
        final Run weak = ctl("accounts", "create", "other@example.com", "--password-file", password.toString());
        assertEquals(1, weak.exit);
        assertTrue(weak.err.contains("password must be 10 to 128 characters"), weak.err);
        final Run admin = ctl("accounts", "update", "MAKER@example.com", "--role", "admin", "--disable");
        assertEquals(0, admin.exit, admin.err);
        assertTrue(admin.out.contains("maker@example.com (admin, disabled)"), admin.out);
        final Run list = ctl("accounts", "list");
        assertTrue(list.out.contains("admin@localhost") && list.out.contains("disabled"), list.out);
        assertEquals(2, ctl("accounts", "update", "maker@example.com").exit, "nothing to change is a usage error");
        assertEquals(1, ctl("accounts", "update", "nobody@example.com", "--enable").exit);
    }

    @Test
    void shouldManageKeysAndDomains() throws Exception
    {
        final Run key = ctl("keys", "create", "--name", "ci", "--scope", "links:read,links:write", "--rate", "10");
        assertEquals(0, key.exit, key.err);
        assertTrue(key.out.contains("bnc_"), key.out);
        assertTrue(ctl("keys", "list").out.contains("ci"));
        final String id = key.out.replaceAll("(?s)^key (\\d+) .*", "$1");
        assertEquals(0, ctl("keys", "revoke", id).exit);
        assertTrue(ctl("keys", "list").out.contains("revoked"));
        assertEquals(0, ctl("domains", "add", "go.brand.test").exit);
        assertTrue(ctl("domains", "list").out.contains("go.brand.test"));
        assertEquals(1, ctl("domains", "add", "go.brand.test").exit);
        final Run httpsOnly = ctl("domains", "update", "go.brand.test", "--https-only", "--hsts-max-age", "600");
        assertEquals(0, httpsOnly.exit, httpsOnly.err);
        assertTrue(httpsOnly.out.contains("go.brand.test: HTTPS only, Strict-Transport-Security: max-age=600"), httpsOnly.out);
        final Run shown = ctl("--json", "domains", "show", "go.brand.test");
        assertEquals(0, shown.exit, shown.err);
        assertTrue(shown.out.contains("\"httpsOnly\" : true") || shown.out.contains("\"httpsOnly\":true"), shown.out);
        final Run preload = ctl("domains", "update", "go.brand.test", "--hsts-preload");
        assertEquals(1, preload.exit);
        assertTrue(preload.err.contains("hsts-preload") || preload.err.contains("hstsPreload needs"), preload.err);
        assertEquals(2, ctl("domains", "update", "go.brand.test").exit, "nothing to change");
        assertTrue(ctl("domains", "update", "go.brand.test", "--https-only=false").out.contains("go.brand.test: HTTP and HTTPS"));
        final Run human = ctl("domains", "show", "go.brand.test");
        assertTrue(human.out.contains("certificates: manual, status no-certificate"), human.out);
        final Run auto = ctl("domains", "add", "auto.brand.test", "--https", "auto");
        assertEquals(1, auto.exit, "this control plane has no --secrets-key-file to seal ACME keys with");
        assertTrue(auto.err.contains("secrets-key-file"), auto.err);
        final Run renew = ctl("domains", "renew", "go.brand.test");
        assertEquals(1, renew.exit);
        assertTrue(renew.err.contains("ACME"), renew.err);
        assertEquals(0, ctl("domains", "add", "gone.brand.test").exit);
        final Run removed = ctl("domains", "remove", "gone.brand.test");
        assertEquals(0, removed.exit, removed.err);
        assertTrue(removed.out.contains("removed gone.brand.test"), removed.out);
        assertFalse(ctl("domains", "list").out.contains("gone.brand.test"));

        final Run writer = ctl("keys", "create", "--name", "brand", "--scope", "links:write", "--domains", "go.brand.test");
        assertEquals(0, writer.exit, writer.err);
        assertTrue(ctl("keys", "list").out.contains("go.brand.test"));
        final String writerId = writer.out.replaceAll("(?s)^key (\\d+) .*", "$1");
        final Run taken = ctl("keys", "grant", writerId, "--domains", "");
        assertEquals(0, taken.exit, taken.err);
        assertTrue(taken.out.contains("default domain only"), taken.out);
        final Run unknown = ctl("keys", "grant", writerId, "--domains", "nope.test");
        assertEquals(1, unknown.exit);
        assertTrue(unknown.err.contains("key-domains") || unknown.err.contains("nope.test"), unknown.err);
    }
}
