package io.bounce.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.bounce.replication.link.LinkRecord;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.testing.Postgres;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Change-log appends on PostgreSQL are batched and sent just before the commit (WriteTxn). A write that fails after it
 * appended must take its queued changes with it: the batch rolls back, each write runs again alone, and no change of the
 * failed one is ever sent, in that transaction or a later one. The log stays dense. SQLite runs the same for comparison.
 */
class BatchedAppendsTest
{
    @TempDir
    Path dir;

    @Test
    void aWriteThatFailsAfterAppendingTakesItsQueuedChangesWithItOnPostgresql() throws Exception
    {
        try (Postgres postgres = Postgres.primary())
        {
            final Path password = dir.resolve("password");
            Files.writeString(password, postgres.password() + "\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            final StoreOptions options = new StoreOptions();
            new CommandLine(options).parseArgs("--store", postgres.storeUrl(), "--store-password-file", password.toString());
            options.conclude();
            run(Database.open(dir.resolve("pg"), options));
        }
    }

    @Test
    void theSameOnSqlite() throws Exception
    {
        run(Database.open(dir.resolve("sqlite")));
    }

    private static LinkRecord record(final String code, final long sequence)
    {
        return new LinkRecord("localhost", code, "https://example.com/" + code, 302, 1, 2, 0, 0, sequence);
    }

    private static void run(final Database database) throws Exception
    {
        final Agents agents = new Agents();
        final Leadership leadership = Leadership.of(database, 10_000);
        final GroupCommitter writer = new GroupCommitter(database, leadership, SystemEpochClock.INSTANCE, 16, Runnable::run,
            (head, at) -> { }, agents);
        leadership.start(agents, writer::observed);
        try
        {
            // One batch: a good write, a write that appends two changes and then fails, another good write.
            final List<CompletableFuture<?>> answers = new ArrayList<>();
            final CompletableFuture<Void> gate = new CompletableFuture<>();
            answers.add(writer.submit(txn ->
            {
                gate.join(); // hold the writer until all three are queued: they commit as one batch
                txn.append(record("good-1", txn.nextSequence()));
                return null;
            }));
            answers.add(writer.submit(txn ->
            {
                txn.append(record("bad-1", txn.nextSequence()));
                txn.append(record("bad-2", txn.nextSequence()));
                throw new IllegalStateException("failed after appending");
            }));
            answers.add(writer.submit(txn ->
            {
                txn.append(record("good-2", txn.nextSequence()));
                return null;
            }));
            gate.complete(null);
            answers.get(0).get();
            final ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> answers.get(1).get());
            assertInstanceOf(IllegalStateException.class, failed.getCause());
            answers.get(2).get();
            writer.call(txn ->
            {
                txn.append(record("after", txn.nextSequence()));
                return null;
            });
            assertEquals("1:good-1 2:good-2 3:after", log(database), "the failed write's changes never reached the log");
        }
        finally
        {
            writer.close();
            leadership.close();
            database.close();
        }
    }

    private static String log(final Database database) throws Exception
    {
        final StringBuilder out = new StringBuilder();
        try (Connection c = database.openReader(); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT seq, record FROM change_log ORDER BY seq"))
        {
            while (rs.next())
            {
                final LinkRecord record = io.bounce.replication.link.LinkCodec.decode(rs.getBytes(2));
                out.append(out.length() == 0 ? "" : " ").append(rs.getLong(1)).append(':').append(record.code());
            }
        }
        return out.toString();
    }
}
