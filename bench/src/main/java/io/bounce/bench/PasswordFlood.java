package io.bounce.bench;

import java.nio.file.Path;
import java.util.List;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.RuleSet;
import io.bounce.runtime.crypto.PasswordHash;

/**
 * For {@code bench/bin/password-flood}: {@code protect REPLICA_DIR CODE PASSWORD EXPECTED_LINKS} gives one link of an
 * imported replica a password, in place, and prints what one check costs on this machine (the flood itself is wrk's:
 * {@code bench/wrk/password-flood.lua}).
 */
public final class PasswordFlood
{
    private PasswordFlood()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length == 5 && args[0].equals("protect"))
        {
            try (LinkReplica replica = LinkReplica.open(Path.of(args[1]), Long.parseLong(args[4]), 100))
            {
                final LinkRecord plain = replica.get("localhost", args[2]);
                replica.apply(new LinkRecord(plain.domain(), plain.code(), plain.url(), plain.status(), plain.createdAtMs(),
                    plain.editableUntilMs(), plain.expiresAtMs(), plain.flags(), 1,
                    new RuleSet(List.of(), List.of(), null, null, PasswordHash.hash(args[3]))));
            }
            System.out.println("protected " + args[2]);
            // what one check costs here, measured where figures belong: warm twice, then the median of five
            final String hash = PasswordHash.hash(args[3]);
            final byte[] wrong = "not the password".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            final long[] ns = new long[7];
            for (int i = 0; i < ns.length; i++)
            {
                final long start = System.nanoTime();
                PasswordHash.verify(hash, wrong);
                ns[i] = System.nanoTime() - start;
            }
            final long[] measured = java.util.Arrays.copyOfRange(ns, 2, ns.length);
            java.util.Arrays.sort(measured);
            System.out.printf("argon2id check: %.1f ms (m=%d KiB, t=%d, p=%d; median of 5)%n", measured[2] / 1e6, PasswordHash.MEMORY_KIB,
                PasswordHash.ITERATIONS, PasswordHash.PARALLELISM);
            return;
        }
        System.err.println("usage: PasswordFlood protect REPLICA_DIR CODE PASSWORD EXPECTED_LINKS");
        System.exit(2);
    }
}
