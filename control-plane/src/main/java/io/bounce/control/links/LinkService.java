package io.bounce.control.links;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.bounce.control.ControlPlaneConfig;
import io.bounce.control.domains.Domains;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;
import io.bounce.control.store.GroupCommitter;
import io.bounce.control.store.WriteTxn;
import io.bounce.control.store.LinkRow;
import io.bounce.control.store.LinkQueries;
import io.bounce.control.store.ReadPool;
import io.bounce.control.store.Store;
import io.bounce.control.Audit;
import io.bounce.runtime.http.Problem;
import org.agrona.concurrent.EpochClock;

/**
 * The rules of links: validation, codes and aliases, the edit window, expiry, ownership, takedown and
 * delete. Stateless checks run on the caller's thread; everything that reads and then writes runs as
 * one {@link GroupCommitter} operation, so it sees every earlier write and nothing can slip between
 * its check and its write (two requests for one alias: exactly one wins).
 */
public final class LinkService
{
    /** Attempts at a fresh random code before giving up (each collides with probability links/62^length). */
    private static final int CODE_ATTEMPTS = 16;

    private final GroupCommitter writer;
    private final ReadPool readers;
    private final Domains domains;
    private final LinkChecks checks;
    private final DestinationPolicy destinations;
    private final CodeGenerator codes;
    private final EpochClock clock;
    private final long editWindowMs;

    /**
     * @param config    the edit window, default lifetime, reserved aliases, code length and URL limit.
     * @param domains   the domains links may belong to (and destinations may not point into).
     * @param blocklist destination domains nobody may shorten.
     */
    public LinkService(final ControlPlaneConfig config, final Store store, final Domains domains, final Blocklist blocklist,
        final EpochClock clock)
    {
        this.writer = store.writer();
        this.readers = store.readers();
        this.domains = domains;
        this.checks = new LinkChecks(config, domains, blocklist, clock);
        this.destinations = checks.destinations();
        this.codes = new CodeGenerator(config.codeLength());
        this.clock = clock;
        this.editWindowMs = config.editWindowMs();
    }

    /**
     * Insert inside the writer's transaction. Throws a {@link Problem} only before it has written
     * anything, so a caller may carry on with the transaction after one.
     */
    private LinkRow insert(final WriteTxn txn, final LinkChecks.Draft draft, final ApiKey owner) throws SQLException
    {
        final LinkRow row = new LinkRow();
        row.domain = draft.domain;
        row.url = draft.url;
        row.status = draft.status;
        row.forwardQuery = draft.forwardQuery;
        row.createdAt = txn.now();
        row.editableUntil = txn.now() + editWindowMs;
        row.expiresAt = draft.expiresAt;
        row.disabledReason = draft.disabledReason;
        row.rules = draft.rules;
        row.maxClicks = draft.maxClicks;
        row.tags = draft.tags;
        row.ownerKeyId = owner.ownerId();
        row.seq = txn.nextSequence();
        if (draft.alias != null)
        {
            row.code = draft.alias;
            if (!LinkQueries.insertLink(txn.connection(), row))
            {
                throw aliasTaken(txn, draft, owner);
            }
        }
        else
        {
            boolean inserted = false;
            for (int attempt = 0; attempt < CODE_ATTEMPTS && !inserted; attempt++)
            {
                row.code = codes.next();
                inserted = LinkQueries.insertLink(txn.connection(), row);
            }
            if (!inserted)
            {
                throw new Problem(503, "code-space", "Service unavailable", "no free code found; raise --code-length");
            }
        }
        txn.append(row.toRecord());
        return row;
    }

    /**
     * 409 {@code alias-taken}; when the link there is the caller's (or the caller is an admin) and is
     * exactly what was asked for, the problem says so ({@code "identical": true}): an import run again
     * counts it as already there, not as a failure.
     */
    private static Problem aliasTaken(final WriteTxn txn, final LinkChecks.Draft draft, final ApiKey owner) throws SQLException
    {
        final Problem problem = Problem.conflict("alias-taken", "alias '" + draft.alias + "' is already taken on " + draft.domain);
        final LinkRow existing = LinkQueries.findLink(txn.connection(), draft.domain, draft.alias);
        if (existing != null && (owner.isAdmin() || existing.ownerKeyId == owner.ownerId()))
        {
            problem.with("identical", !existing.isDeleted() && existing.url.equals(draft.url) && existing.status == draft.status &&
                existing.forwardQuery == draft.forwardQuery && existing.expiresAt == draft.expiresAt &&
                java.util.Objects.equals(existing.disabledReason, draft.disabledReason) && java.util.Objects.equals(existing.rules, draft.rules) &&
                existing.maxClicks == draft.maxClicks);
        }
        return problem;
    }

    public CompletableFuture<LinkRow> create(final ApiKey owner, final LinkSpec spec)
    {
        final LinkChecks.Draft draft = checks.draft(owner, spec);
        return writer.submit(txn -> insert(txn, draft, owner)).thenApply(row ->
        {
            Audit.link("link.create", owner, row);
            return row;
        });
    }

    /** One bulk result: the created link or the problem that stopped it. */
    public static final class BulkResult
    {
        public final LinkRow created;
        public final Problem problem;

        BulkResult(final LinkRow created, final Problem problem)
        {
            this.created = created;
            this.problem = problem;
        }
    }

    /**
     * Create every link it can, in one transaction; each item gets its own result. Items that fail
     * validation or conflict are reported and do not stop the others.
     *
     * @param specs the items, or for items that did not even parse, the problem in their place.
     */
    public CompletableFuture<List<BulkResult>> bulk(final ApiKey owner, final List<Object> specs)
    {
        final List<Object> drafts = new ArrayList<>(specs.size());
        for (final Object spec : specs)
        {
            if (spec instanceof Problem)
            {
                drafts.add(spec);
                continue;
            }
            try
            {
                drafts.add(checks.draft(owner, (LinkSpec)spec));
            }
            catch (final Problem problem)
            {
                drafts.add(problem);
            }
        }
        return writer.submit(txn ->
        {
            final List<BulkResult> results = new ArrayList<>(drafts.size());
            for (final Object item : drafts)
            {
                if (item instanceof Problem)
                {
                    results.add(new BulkResult(null, (Problem)item));
                    continue;
                }
                try
                {
                    // insert() refuses (alias taken, no free code) before it writes anything, so the
                    // other items carry on; any SQL failure fails the whole request (GroupCommitter).
                    results.add(new BulkResult(insert(txn, (LinkChecks.Draft)item, owner), null));
                }
                catch (final Problem problem)
                {
                    results.add(new BulkResult(null, problem));
                }
            }
            return results;
        }).thenApply(results ->
        {
            final StringBuilder codes = new StringBuilder();
            int created = 0;
            for (final BulkResult result : results)
            {
                if (result.created != null)
                {
                    codes.append(created++ == 0 ? "" : ",").append(result.created.domain).append('/').append(result.created.code);
                }
            }
            // one line for the batch, naming every link it made: a million-link import is a thousand lines, not a million
            Audit.change("link.bulk-create", owner).addKeyValue("created", created).addKeyValue("failed", results.size() - created)
                .addKeyValue("links", codes).log();
            return results;
        });
    }

    private String domainOrDefault(final String domain)
    {
        return domain == null ? domains.defaultDomain() : domain.toLowerCase(Locale.ROOT);
    }

    /** A key sees its own links; admin sees all. Others' links are reported as absent, not forbidden. */
    private static LinkRow visible(final LinkRow row, final ApiKey key, final String domain, final String code)
    {
        if (row == null || (!key.isAdmin() && row.ownerKeyId != key.ownerId()))
        {
            throw Problem.notFound("no link " + Problem.echo(code) + " on " + Problem.echo(domain));
        }
        return row;
    }

    /** A taken-down link is frozen for its owner: only an admin may change or delete it (its 451 must not become a 410). */
    private static LinkRow changeable(final LinkRow row, final ApiKey key)
    {
        if (row.disabledReason != null && !key.isAdmin())
        {
            throw Problem.conflict("taken-down", "link " + row.code + " was taken down; only an admin may change or delete it");
        }
        return row;
    }

    private static LinkRow live(final LinkRow row)
    {
        if (row.isDeleted())
        {
            throw new Problem(410, "deleted", "Gone", "link " + row.code + " was deleted at " + Instant.ofEpochMilli(row.deletedAt));
        }
        return row;
    }

    public LinkRow get(final ApiKey key, final String domain, final String code) throws SQLException
    {
        final String d = domainOrDefault(domain);
        return live(visible(readers.read(c -> LinkQueries.findLink(c, d, code)), key, d, code));
    }

    /** A page of the caller's links, newest first. */
    public static final class Page
    {
        public final List<LinkRow> items;
        public final Long nextCursor;

        Page(final List<LinkRow> items, final Long nextCursor)
        {
            this.items = items;
            this.nextCursor = nextCursor;
        }
    }

    /** @param search text the code, the destination or the domain contains (ignoring case), or null for all. */
    /**
     * @param tag         only links with this tag (any case), or null.
     * @param oldestFirst oldest first (the cursor: the last id seen), else newest first.
     */
    public Page list(final ApiKey key, final String domain, final String search, final String tag, final Long cursor, final int limit,
        final boolean oldestFirst) throws SQLException
    {
        final long owner = key.isAdmin() ? -1 : key.ownerId();
        final String d = domain == null ? null : domain.toLowerCase(Locale.ROOT);
        final long after = cursor != null ? cursor : oldestFirst ? 0 : Long.MAX_VALUE;
        final String t = tag == null ? null : tag.strip().toLowerCase(Locale.ROOT);
        final List<LinkRow> rows = readers.read(c -> LinkQueries.listLinks(c, owner, d, search, t, after, limit + 1, oldestFirst));
        final boolean more = rows.size() > limit;
        final List<LinkRow> items = more ? rows.subList(0, limit) : rows;
        return new Page(items, more ? items.get(items.size() - 1).id : null);
    }

    public CompletableFuture<LinkRow> update(
        final ApiKey key, final String domain, final String code, final LinkSpec patch)
    {
        final String d = domainOrDefault(domain);
        final String newUrl;
        final Integer newStatus;
        final Long newExpiry;
        newUrl = patch.url == null ? null : destinations.check(patch.url);
        newStatus = patch.redirect == null ? null : LinkChecks.checkRedirect(patch.redirect);
        newExpiry = patch.hasExpiresAt && patch.expiresAt != null ? LinkChecks.checkExpiry(patch.expiresAt, clock.time()) : null;
        final com.fasterxml.jackson.databind.node.ObjectNode ruleChange = patch.rules == null ? null : LinkRuleSpec.check(patch.rules, destinations);
        final long newMaxClicks = patch.maxClicks == null ? 0 : LinkChecks.checkMaxClicks(patch.maxClicks);
        final String newTags = LinkChecks.checkTags(patch.tags);
        return writer.submit(txn ->
        {
            final LinkRow row = changeable(live(visible(LinkQueries.findLink(txn.connection(), d, code), key, d, code)), key);
            if (newUrl != null && !newUrl.equals(row.url))
            {
                if (txn.now() >= row.editableUntil)
                {
                    throw Problem.conflict("edit-window-closed", "the destination of " + code + " could only change until " +
                        Instant.ofEpochMilli(row.editableUntil)).with("editableUntil", Instant.ofEpochMilli(row.editableUntil).toString());
                }
                row.url = newUrl;
            }
            if (newStatus != null)
            {
                row.status = newStatus;
            }
            if (patch.forwardQuery != null)
            {
                row.forwardQuery = patch.forwardQuery;
            }
            if (patch.hasExpiresAt)
            {
                row.expiresAt = newExpiry == null ? 0 : newExpiry;
            }
            if (ruleChange != null)
            {
                if (txn.now() >= row.editableUntil && LinkRuleSpec.changesDestinations(row.rules, ruleChange))
                {
                    throw Problem.conflict("edit-window-closed", "the targets, variants and expiredUrl of " + code + " could only change until " +
                        Instant.ofEpochMilli(row.editableUntil)).with("editableUntil", Instant.ofEpochMilli(row.editableUntil).toString());
                }
                row.rules = LinkRuleSpec.merge(row.rules, ruleChange);
            }
            LinkChecks.checkFits(row.url, row.rules);
            if (patch.hasTags)
            {
                row.tags = newTags; // labels for the owner: any time, as the edit window is about where visitors go
            }
            if (patch.hasMaxClicks && newMaxClicks != row.maxClicks)
            {
                // a new limit is checked afresh: a link over it is limited again at the next check, one under it serves on
                row.maxClicks = newMaxClicks;
                row.limitedAt = 0;
            }
            return commitChange(txn, row);
        }).thenApply(row ->
        {
            Audit.link("link.update", key, row);
            return row;
        });
    }

    public CompletableFuture<LinkRow> delete(final ApiKey key, final String domain, final String code)
    {
        final String d = domainOrDefault(domain);
        return writer.submit(txn ->
        {
            final LinkRow row = changeable(live(visible(LinkQueries.findLink(txn.connection(), d, code), key, d, code)), key);
            row.deletedAt = txn.now();
            return commitChange(txn, row);
        }).thenApply(row ->
        {
            Audit.link("link.delete", key, row);
            return row;
        });
    }

    /** Disable a link for abuse (admin only, checked by the caller): edges answer 451 from then on. */
    public CompletableFuture<LinkRow> takedown(final ApiKey admin, final String domain, final String code, final String reason)
    {
        final String d = domainOrDefault(domain);
        LinkChecks.checkReason(reason);
        return writer.submit(txn ->
        {
            final LinkRow row = live(visible(LinkQueries.findLink(txn.connection(), d, code), ADMIN_VIEW, d, code));
            row.disabledReason = reason;
            return commitChange(txn, row);
        }).thenApply(row ->
        {
            Audit.change("link.takedown", admin).addKeyValue("domain", row.domain).addKeyValue("code", row.code)
                .addKeyValue("reason", row.disabledReason).log();
            return row;
        });
    }

    /**
     * The click limit of a link was seen reached with {@code clicks} human clicks: from now on edges answer as for an
     * expired link. Nothing happens if the link changed meanwhile (deleted, limit removed or raised, already limited).
     *
     * @return the row as limited, or null when nothing changed.
     */
    public CompletableFuture<LinkRow> limitReached(final String domain, final String code, final long clicks)
    {
        return writer.submit(txn ->
        {
            final LinkRow row = LinkQueries.findLink(txn.connection(), domain, code);
            if (row == null || row.isDeleted() || row.limitedAt != 0 || row.maxClicks == 0 || clicks < row.maxClicks)
            {
                return null;
            }
            row.limitedAt = txn.now();
            return commitChange(txn, row);
        }).thenApply(row ->
        {
            if (row != null)
            {
                Audit.change("link.limit-reached", null).addKeyValue("domain", row.domain).addKeyValue("code", row.code)
                    .addKeyValue("maxClicks", row.maxClicks).addKeyValue("clicks", clicks).log();
            }
            return row;
        });
    }

    private static final ApiKey ADMIN_VIEW = new ApiKey(-1, "takedown", Set.of(Scope.ADMIN), 0, 0);

    private static LinkRow commitChange(final WriteTxn txn, final LinkRow row) throws SQLException
    {
        row.seq = txn.nextSequence();
        LinkQueries.updateLink(txn.connection(), row);
        txn.append(row.toRecord());
        return row;
    }
}
