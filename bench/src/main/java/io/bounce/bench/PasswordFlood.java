package io.bounce.bench;

import java.nio.file.Path;
import java.util.List;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.RuleSet;
import io.bounce.runtime.crypto.PasswordHash;

/**
 * For {@code bench/bin/password-flood}: {@code protect REPLICA_DIR CODE PASSWORD EXPECTED_LINKS} gives one link of an
 * imported replica a password, in place (the flood itself is wrk's: {@code bench/wrk/password-flood.lua}).
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
            return;
        }
        System.err.println("usage: PasswordFlood protect REPLICA_DIR CODE PASSWORD EXPECTED_LINKS");
        System.exit(2);
    }
}
