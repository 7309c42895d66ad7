package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneMain;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.testing.Postgres;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several control planes on one PostgreSQL: exactly one writes (it holds the lease); the others answer writes with 503,
 * Retry-After and the leader's URL, serve reads and the change log, and take over when the leader stops. A leader frozen
 * with SIGSTOP until another took over commits nothing when it wakes: the fencing token.
 */
class LeadershipSystemTest
{
    @TempDir
    Path dir;

    @Test
    void oneControlPlaneWritesTheOthersServeAndOneTakesOverWhenItStops() throws Exception
    {
        ControlPlaneNode a = null;
        ControlPlaneNode b = null;
        EdgeNode edge = null;
        try (Postgres postgres = Postgres.primary())
        {
            final String[] store = store(postgres, "--leader-lease-ms", "2000", "--replication-token", "leadership-test-token-0123456789");
            a = Stack.controlPlane(dir.resolve("a"), store);
            b = Stack.controlPlane(dir.resolve("b"), store);
            assertTrue(a.isLeader(), "the first control plane took the lease");
            assertFalse(b.isLeader(), "the second one waits");
            final String key = Stack.adminKey(a);
            assertFalse(Files.exists(dir.resolve("b").resolve(ControlPlaneNode.ADMIN_KEY_FILE)), "only the leader makes the first key");

            // Writes to the one that does not lead: 503, Retry-After, and where the leader is (once it has read the URL the
            // leader's lease thread writes at its next turn after start: at most a lease renewal later).
            final ControlPlaneNode waiting = b;
            Stack.await("the other control plane knows where the leader is", 10_000, () ->
            {
                try
                {
                    return Stack.call("POST", Stack.base(waiting) + "/api/v1/links", key, "{\"url\":\"https://example.com/b\"}")
                        .headers().firstValue("Bounce-Leader").isPresent();
                }
                catch (final Exception ex)
                {
                    return false;
                }
            });
            final HttpResponse<String> refused = Stack.call("POST", Stack.base(b) + "/api/v1/links", key,
                "{\"url\":\"https://example.com/b\",\"alias\":\"on-b\"}");
            assertEquals(503, refused.statusCode(), refused.body());
            final JsonNode problem = Stack.JSON.readTree(refused.body());
            assertEquals("not-leader", problem.get("rule").asText(), refused.body());
            assertEquals(Stack.base(a), problem.get("leader").asText());
            assertEquals(Stack.base(a), refused.headers().firstValue("Bounce-Leader").orElse(null));
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));

            // Reads and the change log: what the leader commits, the other serves.
            Stack.api(a, "POST", "/api/v1/links", "{\"url\":\"https://example.com/a\",\"alias\":\"on-a\"}");
            final HttpResponse<String> read = Stack.call("GET", Stack.base(b) + "/api/v1/links/on-a", key, null);
            assertEquals(200, read.statusCode(), read.body());
            edge = Stack.edge(dir.resolve("edge"), Stack.base(b), "leadership-test-token-0123456789", SystemEpochClock.INSTANCE);
            final EdgeNode follower = edge;
            Stack.await("the edge following the other control plane has the leader's link", 30_000,
                () -> follower.replica().get("localhost", "on-a") != null);
            final String minted = Stack.api(a, "POST", "/api/v1/keys", "{\"name\":\"script\",\"scopes\":[\"links:write\",\"links:read\"]}")
                .get("key").asText();
            assertEquals(201, Stack.call("POST", Stack.base(a) + "/api/v1/links", minted,
                "{\"url\":\"https://example.com/s\",\"alias\":\"scripted\"}").statusCode());
            final ControlPlaneNode other = b;
            Stack.await("the other control plane knows the key the leader made", 10_000, () ->
            {
                try
                {
                    return Stack.call("GET", Stack.base(other) + "/api/v1/links/scripted", minted, null).statusCode() == 200;
                }
                catch (final Exception ex)
                {
                    return false;
                }
            });

            // bouncectl given both, the one that does not write first: it follows the 503 to the leader it names.
            final java.io.StringWriter out = new java.io.StringWriter();
            final java.io.StringWriter err = new java.io.StringWriter();
            assertEquals(0, io.bounce.ops.cli.BounceCtl.run(new String[] {"--api", Stack.base(b) + "," + Stack.base(a), "--key", key,
                "links", "create", "https://example.com/ctl", "--alias", "by-ctl"}, new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(err, true)), err.toString());
            assertEquals(200, Stack.call("GET", Stack.base(a) + "/api/v1/links/by-ctl", key, null).statusCode());

            // The leader stops: it hands the lease back, and the other takes over at once and writes after its head.
            final long head = a.changeLogHead();
            a.close();
            Stack.await("the other control plane leads", 5_000, other::isLeader);
            final HttpResponse<String> created = Stack.call("POST", Stack.base(b) + "/api/v1/links", key,
                "{\"url\":\"https://example.com/b\",\"alias\":\"on-b\"}");
            assertEquals(201, created.statusCode(), created.body());
            assertEquals(head + 1, b.changeLogHead(), "the new leader numbers on from the old one's head");
            assertEquals((head + 1) + "|1|" + (head + 1), postgres.sql("SELECT COUNT(*), MIN(seq), MAX(seq) FROM change_log"));
            Stack.await("the edge has the new leader's link", 30_000, () -> follower.replica().get("localhost", "on-b") != null);
            assertEquals(1, edge.replication().bootstraps(), "the edge resumed; it never bootstrapped again");
        }
        finally
        {
            CloseHelper.quietCloseAll(edge, b, a);
        }
    }

    @Test
    void aLeaderFrozenUntilAnotherTookOverCommitsNothingWhenItWakes() throws Exception
    {
        ControlPlaneNode b = null;
        Process a = null;
        try (Postgres postgres = Postgres.primary())
        {
            final String[] store = store(postgres, "--leader-lease-ms", "1500");
            final int[] ports = Stack.freePorts(2);
            final Path log = dir.resolve("a.log");
            final java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(store));
            args.addAll(java.util.List.of("--data-dir", dir.resolve("a").toString(), "--port", Integer.toString(ports[0]),
                "--admin-port", Integer.toString(ports[1])));
            a = Stack.childJvm(ControlPlaneMain.class, log, args.toArray(new String[0]));
            Stack.awaitReady("control plane A", ports[1], a, 60_000);
            final String baseA = "http://127.0.0.1:" + ports[0];
            final String key = Files.readString(dir.resolve("a").resolve(ControlPlaneNode.ADMIN_KEY_FILE)).trim();
            assertEquals(201, Stack.call("POST", baseA + "/api/v1/links", key, "{\"url\":\"https://example.com/1\",\"alias\":\"first\"}")
                .statusCode());
            b = Stack.controlPlane(dir.resolve("b"), store);
            assertFalse(b.isLeader());

            // Freeze A (a long GC pause, a stalled VM), and send it a write it will only read when it wakes.
            signal("STOP", a);
            final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            final CompletableFuture<HttpResponse<String>> late = client.sendAsync(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseA + "/api/v1/links")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"url\":\"https://example.com/late\",\"alias\":\"late\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            final ControlPlaneNode other = b;
            Stack.await("B takes the lease A no longer renews", 15_000, other::isLeader);
            assertEquals(201, Stack.call("POST", Stack.base(b) + "/api/v1/links", key,
                "{\"url\":\"https://example.com/2\",\"alias\":\"second\"}").statusCode());

            signal("CONT", a);
            final HttpResponse<String> answer = late.get(60, TimeUnit.SECONDS);
            assertEquals(503, answer.statusCode(), "the woken leader must not write: " + answer.body());
            assertEquals("not-leader", Stack.JSON.readTree(answer.body()).get("rule").asText());
            assertEquals("0", postgres.sql("SELECT COUNT(*) FROM links WHERE code = 'late'"), "nothing of A's late write was committed");
            final String head = Long.toString(b.changeLogHead());
            assertEquals(head + "|1|" + head, postgres.sql("SELECT COUNT(*), MIN(seq), MAX(seq) FROM change_log"), "the log stays dense");
            assertTrue(b.isLeader(), "B still leads");
        }
        finally
        {
            if (a != null)
            {
                signal("CONT", a);
                a.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            CloseHelper.quietClose(b);
        }
    }

    private String[] store(final Postgres postgres, final String... more) throws Exception
    {
        final Path password = dir.resolve("store.password");
        if (!Files.exists(password))
        {
            Files.writeString(password, postgres.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        }
        final java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--store", postgres.storeUrl(),
            "--store-password-file", password.toString()));
        args.addAll(java.util.List.of(more));
        return args.toArray(new String[0]);
    }

    private static void signal(final String signal, final Process process) throws Exception
    {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }
}
