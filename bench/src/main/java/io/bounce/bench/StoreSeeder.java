package io.bounce.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.SplittableRandom;

import io.bounce.control.store.Database;
import io.bounce.control.store.LinkRow;
import io.bounce.control.store.LinkQueries;
import io.bounce.control.store.Queries;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.log.ReplicationFormat;

/**
 * Fills a control-plane store with N links straight through SQL (the API would take minutes for ten
 * million), for the replication bootstrap benchmark. Run it against a store the control plane has
 * started on once (it owns the links to the first API key) and is not running now.
 *
 * <p>Codes are 7 base62 characters counted up from a random start (sequential codes keep the
 * insert fast; the edge's map hashes them anyway); URLs are about 100 bytes. Every link gets its own
 * change-log sequence, as if created one by one, but only the last 10,000 changes are written to
 * the log, as if retention had dropped the rest: the snapshot reads the links table, not the log.
 *
 * <p>Usage: {@code StoreSeeder DATA_DIR COUNT}
 */
public final class StoreSeeder
{
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int BATCH = 100_000;
    private static final int LOGGED = 10_000;

    private StoreSeeder()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length != 2)
        {
            System.err.println("usage: StoreSeeder DATA_DIR COUNT");
            System.exit(2);
        }
        final long count = Long.parseLong(args[1]);
        final long start = System.nanoTime();
        final Database database = Database.open(Path.of(args[0]));
        try (Connection c = database.openWriter(); Statement statement = c.createStatement())
        {
            final long owner;
            final String domain;
            try (ResultSet rs = statement.executeQuery("SELECT id FROM api_keys ORDER BY id LIMIT 1"))
            {
                if (!rs.next())
                {
                    throw new IllegalStateException("start the control plane on " + args[0] + " once first (it makes the admin key)");
                }
                owner = rs.getLong(1);
            }
            try (ResultSet rs = statement.executeQuery("SELECT name FROM domains WHERE is_default = 1"))
            {
                rs.next();
                domain = rs.getString(1);
            }
            long seq = Queries.changeLogHead(c);
            final SplittableRandom random = new SplittableRandom(7);
            final long first = 1_000_000_000L + random.nextLong(1_000_000_000L);
            final long now = System.currentTimeMillis();
            final char[] code = new char[7];
            for (long i = 0; i < count; i++)
            {
                long n = first + i;
                for (int j = code.length - 1; j >= 0; j--)
                {
                    code[j] = ALPHABET[(int)(n % 62)];
                    n /= 62;
                }
                final LinkRow row = new LinkRow();
                row.domain = domain;
                row.code = new String(code);
                row.url = "https://www.example-shop.com/products/item-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36) +
                    "?utm_source=bounce&utm_medium=link&utm_campaign=c" + random.nextInt(100_000);
                row.status = 302;
                row.createdAt = now;
                row.editableUntil = now;
                row.ownerKeyId = owner;
                row.seq = ++seq;
                if (!LinkQueries.insertLink(c, row))
                {
                    throw new IllegalStateException("code " + row.code + " exists already");
                }
                if (count - i <= LOGGED)
                {
                    Queries.appendChange(c, row.seq, now, ReplicationFormat.TYPE_RECORD, LinkCodec.encode(row.toRecord()));
                }
                if ((i + 1) % BATCH == 0)
                {
                    c.commit();
                    System.out.printf("\rseeded %,d links", i + 1);
                }
            }
            c.commit();
            Queries.forget(c);
            System.out.printf("%nseeded %,d links (change-log head %d) in %.1f s%n", count, seq, (System.nanoTime() - start) / 1e9);
        }
    }
}
