package io.bounce.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneNode;
import io.bounce.edge.EdgeNode;
import io.bounce.runtime.testing.Postgres;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane on a real PostgreSQL 15 ({@code --store postgresql://…}): the schema is made by the same
 * migrations; links, an alias raced by 50 clients (exactly one 201), a bulk import, the change log's dense
 * sequences, an edge that follows it, and a restart that keeps it all. Nothing is written to SQLite.
 */
class PostgresStoreSystemTest
{
    @TempDir
    Path dir;

    @Test
    void theControlPlaneRunsOnPostgresqlAsItDoesOnSqlite() throws Exception
    {
        ControlPlaneNode cp = null;
        EdgeNode edge = null;
        try (Postgres postgres = Postgres.primary())
        {
            final Path password = dir.resolve("store.password");
            Files.writeString(password, postgres.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            final String[] store = {"--store", postgres.storeUrl(), "--store-password-file", password.toString()};
            cp = Stack.controlPlane(dir.resolve("cp"), store);
            assertEquals(String.valueOf(io.bounce.control.store.Database.migrations()), postgres.sql("SELECT MAX(version) FROM schema_version"),
                "every migration ran on PostgreSQL");

            // The dashboard's accounts, sessions and tags on PostgreSQL: the first admin signs in, makes a tagged link, finds it.
            final DashboardClient dashboard = new DashboardClient(Stack.base(cp));
            final String adminPassword = Files.readString(dir.resolve("cp").resolve("admin.password")).trim();
            assertEquals(303, dashboard.signIn("admin@localhost", adminPassword).statusCode());
            assertEquals(303, dashboard.post("/links/new", "csrf", dashboard.csrf("/links/new"), "url", "https://example.com/dash",
                "tags", "pg").statusCode());
            assertTrue(dashboard.get("/links?tag=pg").body().contains("example.com/dash"));

            // Links, one at a time and in bulk.
            for (int i = 0; i < 20; i++)
            {
                Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/" + i + "\",\"alias\":\"pg-" + i + "\"}");
            }
            final StringBuilder bulk = new StringBuilder("{\"links\":[");
            for (int i = 0; i < 500; i++)
            {
                bulk.append(i == 0 ? "" : ",").append("{\"url\":\"https://example.com/bulk/").append(i).append("\"}");
            }
            final JsonNode imported = Stack.api(cp, "POST", "/api/v1/links/bulk", bulk.append("]}").toString());
            assertEquals(500, imported.get("created").asInt(), imported.toString());

            // One alias, 50 clients at once: exactly one 201.
            final ControlPlaneNode centre = cp;
            final String key = Stack.adminKey(cp);
            final ExecutorService clients = Executors.newFixedThreadPool(16);
            final List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++)
            {
                final int n = i;
                answers.add(CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        final HttpResponse<String> answer = Stack.call("POST", Stack.base(centre) + "/api/v1/links", key,
                            "{\"url\":\"https://example.com/race/" + n + "\",\"alias\":\"raced\"}");
                        return answer.statusCode();
                    }
                    catch (final Exception ex)
                    {
                        return -1;
                    }
                }, clients));
            }
            final List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
            clients.shutdown();
            assertEquals(1, statuses.stream().filter(status -> status == 201).count(), statuses.toString());
            assertEquals(49, statuses.stream().filter(status -> status == 409).count(), statuses.toString());

            // The change log: dense, from 1 to the head.
            final long head = cp.changeLogHead();
            assertEquals(head + "|1|" + head, postgres.sql("SELECT COUNT(*), MIN(seq), MAX(seq) FROM change_log"));

            // An edge follows it as it follows SQLite's.
            edge = Stack.edge(dir.resolve("edge"), Stack.base(cp), cp.replicationToken(), SystemEpochClock.INSTANCE);
            final EdgeNode follower = edge;
            Stack.await("the edge has the whole log", 30_000, () -> follower.replica().appliedSequence() == head);
            assertEquals("302 https://example.com/7", Stack.redirect(edge, "pg-7"));

            // Restarted, the control plane has it all and carries on from the same head.
            final int port = cp.address().getPort();
            cp.close();
            cp = Stack.controlPlane(dir.resolve("cp"), "--store", postgres.storeUrl(), "--store-password-file", password.toString(),
                "--port", Integer.toString(port));
            assertEquals(head, cp.changeLogHead());
            assertEquals("https://example.com/3", Stack.api(cp, "GET", "/api/v1/links/pg-3", null).get("url").asText());
            Stack.api(cp, "POST", "/api/v1/links", "{\"url\":\"https://example.com/after\",\"alias\":\"after\"}");
            Stack.await("the edge has the link made after the restart", 30_000, () -> follower.replica().get("localhost", "after") != null);
            assertFalse(Files.exists(dir.resolve("cp").resolve("bounce.db")), "nothing went to SQLite");
        }
        finally
        {
            CloseHelper.quietCloseAll(edge, cp);
        }
    }
}
