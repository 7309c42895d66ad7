package io.bounce.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.RuleSet;

/**
 * Gives a share of an imported edge replica's links rules, in place, for {@code bench/bin/edge-vs-nginx --rules PCT}: every
 * link whose position in {@code codes.txt} falls in the share gets three targets (iOS, mobile, German or French speakers),
 * each testing what a browser's request carries, and a 50/50 A/B split for everyone else. A desktop browser preferring
 * English, as the bench's requests are, matches no target, so each request of such a link walks every target and then
 * hashes for its variant: the most work a link with these rules costs.
 *
 * <p>Usage: {@code RulesDataSet REPLICA_DIR CODES_FILE PERCENT EXPECTED_LINKS}
 */
public final class RulesDataSet
{
    private RulesDataSet()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length < 4)
        {
            System.err.println("usage: RulesDataSet REPLICA_DIR CODES_FILE PERCENT EXPECTED_LINKS");
            System.exit(2);
        }
        final Path dir = Path.of(args[0]);
        final List<String> codes = Files.readAllLines(Path.of(args[1]));
        final int percent = Integer.parseInt(args[2]);
        int changed = 0;
        try (LinkReplica replica = LinkReplica.open(dir, Long.parseLong(args[3]), 100))
        {
            for (int i = 0; i < codes.size(); i++)
            {
                if (i % 100 >= percent)
                {
                    continue;
                }
                final LinkRecord plain = replica.get("localhost", codes.get(i));
                if (plain == null)
                {
                    throw new IllegalStateException("no link " + codes.get(i) + " in " + dir);
                }
                final String url = plain.url();
                final RuleSet rules = new RuleSet(List.of(
                    new RuleSet.Target(0, RuleSet.OS_IOS, List.of(), List.of(), RuleSet.QUERY_NONE, "", "", url + "&app=ios"),
                    new RuleSet.Target(RuleSet.DEVICE_MOBILE, 0, List.of(), List.of(), RuleSet.QUERY_NONE, "", "", url + "&m=1"),
                    new RuleSet.Target(0, 0, List.of(), List.of("de", "fr"), RuleSet.QUERY_NONE, "", "", url + "&lang=eu")),
                    List.of(new RuleSet.Variant(50, url + "&v=a"), new RuleSet.Variant(50, url + "&v=b")), null, null);
                replica.apply(new LinkRecord(plain.domain(), plain.code(), url, plain.status(), plain.createdAtMs(), plain.editableUntilMs(),
                    plain.expiresAtMs(), plain.flags(), 1, rules));
                changed++;
            }
        }
        System.out.println("gave " + changed + " of " + codes.size() + " links rules (" + percent + "%)");
    }
}
