package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.bounce.control.ControlPlaneHarness.Answer;
import io.bounce.control.api.ApiRouter;
import io.bounce.control.api.Route;
import io.bounce.control.store.Database;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.log.ReplicationFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrency, the change log, restarts, crashes and the OpenAPI document. */
class StoreDurabilityTest
{
    @TempDir
    Path dir;

    @Test
    void fiftyConcurrentCreatesOfOneAliasGiveExactlyOne201() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(50);
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++)
            {
                final int n = i;
                results.add(pool.submit(() ->
                {
                    go.await();
                    return cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"https://a.example/" + n + "\",\"alias\":\"launch\"}").status;
                }));
            }
            go.countDown();
            int created = 0;
            int conflicts = 0;
            for (final Future<Integer> result : results)
            {
                final int status = result.get(30, TimeUnit.SECONDS);
                created += status == 201 ? 1 : 0;
                conflicts += status == 409 ? 1 : 0;
            }
            pool.shutdown();
            assertEquals(1, created);
            assertEquals(49, conflicts);
        }
    }

    @Test
    void theChangeLogIsDenseAndDescribesEveryCommittedChange() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(16);
            final List<Callable<Integer>> work = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                final int n = i;
                // every fifth request is refused, so rolled-back writes sit between committed ones
                final String url = n % 5 == 0 ? "ftp://bad.example/" : "https://a.example/" + n;
                work.add(() -> cp.post("/api/v1/links", cp.adminKey, "{\"url\":\"" + url + "\"}").status);
            }
            int created = 0;
            for (final Future<Integer> f : pool.invokeAll(work))
            {
                created += f.get() == 201 ? 1 : 0;
            }
            final String code = cp.get("/api/v1/links?limit=1", cp.adminKey).json.get("items").get(0).get("code").asText();
            assertEquals(204, cp.call("DELETE", "/api/v1/links/" + code, cp.adminKey, null).status);
            pool.shutdown();
            assertEquals(160, created);

            final List<Long> seqs = new ArrayList<>();
            final Map<String, LinkRecord> last = new HashMap<>();
            try (Connection c = cp.node.database().openReader(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT seq, kind, record FROM change_log ORDER BY seq"))
            {
                while (rs.next())
                {
                    seqs.add(rs.getLong(1));
                    if (rs.getInt(2) != ReplicationFormat.TYPE_RECORD)
                    {
                        // The first start's TLS change: the default domain's policy, naming its certificate the default.
                        assertEquals(ReplicationFormat.TYPE_DOMAIN_POLICY, rs.getInt(2));
                        continue;
                    }
                    final LinkRecord record = LinkCodec.decode(rs.getBytes(3));
                    assertEquals(rs.getLong(1), record.sequence());
                    last.put(record.code(), record);
                }
            }
            assertEquals(162, seqs.size());
            for (int i = 0; i < seqs.size(); i++)
            {
                assertEquals(i + 1, seqs.get(i), "sequence " + (i + 1) + " is missing");
            }
            assertTrue(last.get(code).hasFlag(LinkRecord.FLAG_DELETED));
            assertEquals(162, cp.node.changeLogHead());
        }
    }

    @Test
    void readinessFollowsTheWriter() throws Exception
    {
        final Database database = Database.open(dir.resolve("w"));
        final io.bounce.control.store.GroupCommitter writer = new io.bounce.control.store.GroupCommitter(database,
            io.bounce.control.store.Leadership.of(database, 10_000), new org.agrona.concurrent.CachedEpochClock(), 16, Runnable::run,
            (head, at) -> { }, new io.bounce.runtime.agent.Agents());
        assertTrue(writer.isRunning());
        writer.close();
        assertTrue(!writer.isRunning(), "a stopped writer is not ready");
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            final var client = java.net.http.HttpClient.newHttpClient();
            assertEquals(200, client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + cp.node.adminAddress().getPort() + "/readyz")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void restartKeepsLinksKeysAndDomains() throws Exception
    {
        final String admin;
        final String reader;
        final String code;
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            admin = cp.adminKey;
            reader = cp.newKey("reader", "[\"links:read\"]", null);
            cp.post("/api/v1/domains", admin, "{\"name\":\"go.brand.test\"}");
            code = cp.post("/api/v1/links", admin, "{\"url\":\"https://a.example/\",\"domain\":\"go.brand.test\"}").text("code");
        }
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            assertNull(cp.adminKey, "no second admin key on restart");
            final Answer link = cp.get("/api/v1/links/" + code + "?domain=go.brand.test", admin);
            assertEquals(200, link.status, link.toString());
            assertEquals("https://a.example/", link.text("url"));
            assertEquals(403, cp.post("/api/v1/links", reader, "{\"url\":\"https://b.example/\"}").status);
            assertEquals(201, cp.post("/api/v1/links", admin, "{\"url\":\"https://b.example/\"}").status);
            // 1 is the default domain's policy (the first start's only TLS change); keys and domains added are not changes.
            assertEquals(3, cp.node.changeLogHead(), "the sequence continues after a restart");
        }
    }

    @Test
    void aControlPlaneKilledDuringBulkImportKeepsEachBatchWholeOrNotAtAll() throws Exception
    {
        final Path data = dir.resolve("data");
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("bounce.jvm.args", "").trim().split("\\s+")));
        command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), ControlPlaneMain.class.getName(),
            "--data-dir", data.toString(), "--port", "0", "--admin-port", "0", "--default-domain", "bnc.test"));
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        int port = -1;
        String line;
        final Pattern api = Pattern.compile("^api: http://127\\.0\\.0\\.1:(\\d+)");
        while (port < 0 && (line = out.readLine()) != null)
        {
            final Matcher m = api.matcher(line);
            if (m.find())
            {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertTrue(port > 0, "child control plane did not start");
        final String key = Files.readString(data.resolve(ControlPlaneNode.ADMIN_KEY_FILE)).strip();

        // Four clients send 100-link batches, each batch tagged by its aliases, until the child is killed.
        final ExecutorService clients = Executors.newFixedThreadPool(4);
        final int finalPort = port;
        final List<Future<Integer>> sent = new ArrayList<>();
        final CountDownLatch committed = new CountDownLatch(5);
        for (int c = 0; c < 4; c++)
        {
            final int client = c;
            sent.add(clients.submit(() ->
            {
                int batches = 0;
                try
                {
                    for (int b = 0; b < 10_000; b++)
                    {
                        final StringBuilder body = new StringBuilder("{\"links\":[");
                        for (int i = 0; i < 100; i++)
                        {
                            body.append(i == 0 ? "" : ",").append("{\"url\":\"https://a.example/").append(i)
                                .append("\",\"alias\":\"c").append(client).append("b").append(b).append("i").append(i).append("\"}");
                        }
                        body.append("]}");
                        if (bulk(finalPort, key, body.toString()) != 200)
                        {
                            break;
                        }
                        batches++;
                        committed.countDown();
                    }
                }
                catch (final IOException killed)
                {
                    // the child died under us: expected
                }
                return batches;
            }));
        }
        // Kill once batches are being acknowledged (a kill before any would prove nothing), not after a fixed time.
        assertTrue(committed.await(60, TimeUnit.SECONDS), "five batches were not acknowledged within 60 s");
        child.destroyForcibly(); // SIGKILL mid-import
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        int acknowledged = 0;
        for (final Future<Integer> f : sent)
        {
            acknowledged += f.get(30, TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertTrue(acknowledged > 0, "some batches should have committed before the kill");

        final Database database = Database.open(data);
        assertEquals("ok", database.integrityCheck());
        final Map<String, Integer> perBatch = new HashMap<>();
        long changes = 0;
        try (Connection c = database.openReader(); Statement s = c.createStatement())
        {
            try (ResultSet rs = s.executeQuery("SELECT code FROM links"))
            {
                while (rs.next())
                {
                    final String alias = rs.getString(1);
                    perBatch.merge(alias.substring(0, alias.lastIndexOf('i')), 1, Integer::sum);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*), MIN(seq), MAX(seq) FROM change_log"))
            {
                rs.next();
                changes = rs.getLong(1) - 1; // the first start's TLS change: the default domain's policy
                assertEquals(1, rs.getLong(2));
                assertEquals(changes + 1, rs.getLong(3), "the change log has no gaps after the crash");
            }
        }
        for (final Iterator<Map.Entry<String, Integer>> it = perBatch.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<String, Integer> batch = it.next();
            assertEquals(100, batch.getValue(), "batch " + batch.getKey() + " is partly there");
        }
        assertTrue(perBatch.size() >= acknowledged, "every acknowledged batch survived: " + perBatch.size() + " < " + acknowledged);
        assertEquals(perBatch.size() * 100L, changes);
    }

    /** One bulk POST on a raw socket (no client-side retries that could blur the count). */
    private static int bulk(final int port, final String key, final String body) throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(30_000);
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(("POST /api/v1/links/bulk HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
                "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            final String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (status == null)
            {
                throw new IOException("no answer");
            }
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void everyRouteTheServerAnswersIsInTheOpenApiDocument() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            final Answer doc = cp.get("/api/v1/openapi.json", null);
            assertEquals(200, doc.status);
            assertEquals("3.0.3", doc.text("openapi"));
            final JsonNode paths = doc.json.get("paths");
            final ApiRouter api = cp.node.api();
            for (final Route route : api.routes())
            {
                final JsonNode path = paths.get(route.template());
                assertTrue(path != null && path.has(route.method().toLowerCase()),
                    route.method() + " " + route.template() + " is missing from openapi.json");
                if (route.scope() != null)
                {
                    assertEquals(route.scope().label(), path.get(route.method().toLowerCase()).get("x-scope").asText());
                }
                // and the server really answers it (anything but "no such resource")
                final Answer answer = cp.call(route.method(), route.template().replace("{code}", "x1").replace("{id}", "999").replace("{domain}", "localhost"),
                    cp.adminKey, route.method().equals("GET") || route.method().equals("DELETE") ? null : "{}");
                assertTrue(answer.status != 404 || "not-found".equals(answer.rule()) && !answer.raw.body().contains("no API resource"),
                    route.method() + " " + route.template() + " answered " + answer);
            }
            int documented = 0;
            for (final Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); )
            {
                for (final Iterator<String> members = it.next().getValue().fieldNames(); members.hasNext(); )
                {
                    documented += List.of("get", "put", "post", "patch", "delete").contains(members.next()) ? 1 : 0; // not "parameters"
                }
            }
            assertEquals(api.routes().size(), documented, "the document lists no route the server lacks");
        }
    }

    @Test
    void oversizedRequestLinesAndHeadersGetProblems() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            assertEquals(414, raw(cp, "GET /api/v1/links?x=" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(431, raw(cp, "GET /api/v1/links HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n"));
            assertEquals(400, raw(cp, "NONSENSE\r\n\r\n"));
        }
    }

    @Test
    void aRequestThatDripsInSlowerThanTheHeaderTimeoutIsCutOff() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data"), "--header-timeout-ms", "300");
            Socket socket = new Socket("127.0.0.1", cp.node.address().getPort()))
        {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /api/v1/openapi.json HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, socket.getInputStream().read(), "the connection is closed, with no answer");
        }
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data2"), "--header-timeout-ms", "300");
            Socket socket = new Socket("127.0.0.1", cp.node.address().getPort()))
        {
            socket.setSoTimeout(5_000);
            final BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            for (int i = 0; i < 3; i++)
            {
                Thread.sleep(400); // idle between requests is not slow sending: each request arrives whole at once
                socket.getOutputStream().write("GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("HTTP/1.1 200 OK", in.readLine());
                int length = 0;
                String header;
                while (!(header = in.readLine()).isEmpty())
                {
                    if (header.toLowerCase().startsWith("content-length:"))
                    {
                        length = Integer.parseInt(header.substring(15).strip());
                    }
                }
                assertEquals(length, in.skip(length));
            }
        }
    }

    private static int raw(final ControlPlaneHarness cp, final String request) throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", cp.node.address().getPort()))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            final BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            final String status = in.readLine();
            String header;
            boolean problem = false;
            while ((header = in.readLine()) != null && !header.isEmpty())
            {
                problem |= header.equalsIgnoreCase("content-type: application/problem+json");
            }
            assertTrue(problem, "answer is problem+json");
            return Integer.parseInt(status.split(" ")[1]);
        }
    }
}
