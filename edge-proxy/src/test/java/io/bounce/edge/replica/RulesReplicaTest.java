package io.bounce.edge.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.RuleSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The largest record the format allows (a link with 16 KiB of rules) fits a replica sized for 100-byte URLs, beside plain ones. */
class RulesReplicaTest
{
    @TempDir
    Path dir;

    @Test
    void storesTheLargestRulesRecordInAReplicaSizedForShortUrls() throws Exception
    {
        // 32 targets of 14 bytes of layout and a 498-byte URL each: 16,384 bytes, the format's largest rules
        final List<RuleSet.Target> targets = new ArrayList<>();
        for (int i = 0; i < RuleSet.MAX_TARGETS; i++)
        {
            final String url = "https://example.com/" + i + "/";
            targets.add(new RuleSet.Target(RuleSet.DEVICE_MOBILE, 0, List.of(), List.of(), RuleSet.QUERY_NONE, "", "",
                url + "t".repeat(498 - url.length())));
        }
        final RuleSet rules = new RuleSet(targets, List.of(), null, null);
        assertEquals(RuleSet.MAX_ENCODED_LENGTH, rules.encodedLength());
        final LinkRecord big = new LinkRecord("bnc.to", "big", "https://example.com/" + "u".repeat(8000), 302, 1, 2, 0, 0, 7, rules);
        assertTrue(LinkCodec.encodedLength(big) > 24_000, "near the format's largest: " + LinkCodec.encodedLength(big));
        try (LinkReplica replica = LinkReplica.open(dir, 1_000, 100))
        {
            for (int i = 0; i < 500; i++)
            {
                replica.apply(new LinkRecord("bnc.to", "p" + i, "https://example.com/" + i, 302, 1, 2, 0, 0, 8 + i));
            }
            replica.apply(big);
            assertEquals(big, replica.get("bnc.to", "big"));
            assertEquals("https://example.com/499", replica.get("bnc.to", "p499").url());
        }
    }
}
