package io.bounce.control.keys;

import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.bounce.control.Audit;
import io.bounce.control.domains.Domains;
import io.bounce.control.store.Queries.KeyRow;
import io.bounce.control.store.Queries;
import io.bounce.control.store.Store;
import io.bounce.runtime.http.Problem;

/**
 * API keys: minting, revoking and listing them through the store, the rules a new key must meet, and
 * the request-side checks ({@link #authenticate}, {@link #acquire}) that read only memory.
 */
public final class KeyService
{
    private final Store store;
    private final ApiKeys keys;
    private final RateLimiter limiter = new RateLimiter();
    private final Domains domains;

    /**
     * @param defaultRate  requests a second a key may make unless it sets its own.
     * @param defaultBurst requests a key may make in a burst unless it sets its own.
     * @param domains      the domains a key may be granted.
     */
    public KeyService(final Store store, final double defaultRate, final int defaultBurst, final Domains domains)
    {
        this.store = store;
        this.keys = new ApiKeys(defaultRate, defaultBurst);
        this.domains = domains;
    }

    /**
     * Load the active keys; on a store with none, mint the first admin key (unlimited).
     *
     * @return that key's secret, to be shown once, or null when the store already had keys.
     */
    public String start() throws Exception
    {
        final ApiKeys.Minted first = store.writer().call(txn ->
        {
            if (!Queries.listKeys(txn.connection()).isEmpty())
            {
                return null;
            }
            final ApiKeys.Minted minted = keys.mint("admin", EnumSet.of(Scope.ADMIN), 0.0, null, txn.now());
            Queries.insertKey(txn.connection(), minted.row);
            return minted;
        });
        reload();
        if (first == null)
        {
            return null;
        }
        Audit.change("key.create", null).addKeyValue("newKeyId", first.row.id).addKeyValue("newKeyName", first.row.name)
            .addKeyValue("scopes", first.row.scopes).log();
        return first.secret;
    }

    /** @return the key this bearer secret belongs to, or null when it is unknown or revoked. */
    public ApiKey authenticate(final String secret)
    {
        return keys.authenticate(secret);
    }

    /** @return the active key {@code id} (a session's account key, say), or null when it is revoked or its account disabled. */
    public ApiKey byId(final long id)
    {
        return keys.byId(id);
    }

    /** A key whose secret nobody is shown: a dashboard account's own key, which owns its links and signs in by password. */
    public ApiKeys.Minted mintUnlisted(final String name, final Set<Scope> scopes)
    {
        return keys.mint(name, scopes, null, null, 0);
    }

    /** @return 0 if {@code key} may make a request now, else the milliseconds until it may. */
    public long acquire(final ApiKey key, final long nowNs)
    {
        return limiter.acquire(key, nowNs);
    }

    public List<KeyRow> list() throws SQLException
    {
        return store.readers().read(Queries::listKeys);
    }

    /** @return the keys of dashboard account {@code accountId} that it made itself (not its own key), newest first. */
    public List<KeyRow> listOfAccount(final long accountId) throws SQLException
    {
        final List<KeyRow> rows = new java.util.ArrayList<>();
        for (final KeyRow row : list())
        {
            if (row.accountId == accountId && !row.isAccountOwnKey())
            {
                rows.add(0, row);
            }
        }
        return rows;
    }

    /**
     * Mint a key.
     *
     * @param scopes        what it may do, by label ({@code admin}, {@code links:write}, …).
     * @param ratePerSecond its own rate limit (0: unlimited), or null for the default.
     * @param burst         its own burst, or null for the default.
     * @throws Problem 400 naming the rule a field breaks.
     */
    public CompletableFuture<ApiKeys.Minted> create(final ApiKey who, final String name, final List<String> scopes,
        final Double ratePerSecond, final Integer burst, final List<String> grantedDomains)
    {
        if (name == null || name.isBlank() || name.length() > 200)
        {
            throw Problem.badRequest("key-name", "name is required (1 to 200 characters)");
        }
        if (scopes == null || scopes.isEmpty())
        {
            throw Problem.badRequest("key-scopes", "scopes must be a non-empty array of admin, links:write, links:read, analytics:read");
        }
        final Set<Scope> parsed = EnumSet.noneOf(Scope.class);
        for (final String scope : scopes)
        {
            try
            {
                parsed.add(Scope.parse(scope));
            }
            catch (final IllegalArgumentException ex)
            {
                throw Problem.badRequest("key-scopes", ex.getMessage());
            }
        }
        if ((ratePerSecond != null && (ratePerSecond < 0 || ratePerSecond > 1e6)) || (burst != null && (burst < 1 || burst > 1_000_000)))
        {
            throw Problem.badRequest("key-rate", "ratePerSecond must be 0 (unlimited) to 1e6 and burst 1 to 1e6");
        }
        if (!who.isAdmin() && !who.scopes().containsAll(parsed))
        {
            throw new Problem(403, "forbidden", "Forbidden", "a key may be given only scopes its maker has");
        }
        final String granted = grantedDomains == null ? null : domainList(grantedDomains);
        final ApiKeys.Minted minted = keys.mint(name, parsed, ratePerSecond, burst, granted, 0);
        minted.row.accountId = who.accountId(); // a key made by an account's key (a dashboard session) belongs to that account
        return store.writer().submit(txn ->
        {
            minted.row.createdAt = txn.now();
            Queries.insertKey(txn.connection(), minted.row); // sets the row's id
            return minted;
        }).thenApply(created ->
        {
            reloadOrFail();
            Audit.change("key.create", who).addKeyValue("newKeyId", created.row.id).addKeyValue("newKeyName", created.row.name)
                .addKeyValue("scopes", created.row.scopes).addKeyValue("domains", created.row.domains == null ? "" : created.row.domains).log();
            return created;
        });
    }

    /**
     * Set the branded domains a key may create links on, replacing what it had; links it made before stay.
     *
     * @param grantedDomains known domain names, or {@code ["*"]} for every domain; empty for the default domain only.
     * @throws Problem 400 {@code key-domains} for a domain this service does not have, 404 for no active key {@code id}.
     */
    public CompletableFuture<KeyRow> setDomains(final ApiKey who, final long id, final List<String> grantedDomains)
    {
        final String granted = domainList(grantedDomains);
        return store.writer().submit(txn ->
        {
            if (!Queries.setKeyDomains(txn.connection(), id, granted))
            {
                throw Problem.notFound("no active key " + id);
            }
            for (final KeyRow row : Queries.listKeys(txn.connection()))
            {
                if (row.id == id)
                {
                    return row;
                }
            }
            throw new IllegalStateException("key " + id + " vanished inside its own transaction");
        }).thenApply(row ->
        {
            reloadOrFail();
            Audit.change("key.grant", who).addKeyValue("targetKeyId", row.id).addKeyValue("domains", row.domains == null ? "" : row.domains).log();
            return row;
        });
    }

    /** The grant as stored: null for none, else known names (lower-cased, each once) joined by commas, or "*". */
    private String domainList(final List<String> grantedDomains)
    {
        if (grantedDomains.size() > 1000)
        {
            throw Problem.badRequest("key-domains", "a key may be granted at most 1000 domains; grant \"*\" for all");
        }
        final Set<String> names = new TreeSet<>();
        for (final String domain : grantedDomains)
        {
            final String name = domain == null ? "" : domain.toLowerCase(Locale.ROOT);
            if (!name.equals(ApiKey.ALL_DOMAINS) && !domains.contains(name))
            {
                throw Problem.badRequest("key-domains", "domain " + Problem.echo(name) + " is not one of this service's domains");
            }
            names.add(name);
        }
        if (names.contains(ApiKey.ALL_DOMAINS))
        {
            return ApiKey.ALL_DOMAINS;
        }
        names.remove(domains.defaultDomain()); // every key has the default domain
        return names.isEmpty() ? null : String.join(",", names);
    }

    /**
     * Revoke a key: from the commit on, it authenticates nothing.
     *
     * @throws Problem 404 when there is no active key {@code id}.
     */
    public CompletableFuture<Long> revoke(final ApiKey who, final long id)
    {
        return store.writer().submit(txn ->
        {
            final KeyRow row = Queries.listKeys(txn.connection()).stream().filter(k -> k.id == id).findFirst().orElse(null);
            if (row == null || (!who.isAdmin() && (who.accountId() == 0 || row.accountId != who.accountId())))
            {
                throw Problem.notFound("no active key " + id);
            }
            if (row.isAccountOwnKey())
            {
                throw new Problem(409, "account-key", "Conflict", "key " + id + " is a dashboard account's own key; disable the account instead");
            }
            if (!Queries.revokeKey(txn.connection(), id, txn.now()))
            {
                throw Problem.notFound("no active key " + id);
            }
            return id;
        }).thenApply(revoked ->
        {
            reloadOrFail();
            limiter.forget(revoked);
            Audit.change("key.revoke", who).addKeyValue("targetKeyId", revoked).log();
            return revoked;
        });
    }

    /** Load the keys afresh: what another control plane committed (this one does not lead), or a new leader's first look. */
    public void refresh() throws SQLException
    {
        reload();
    }

    private void reload() throws SQLException
    {
        store.readers().read(c ->
        {
            keys.reload(c);
            return null;
        });
    }

    private void reloadOrFail()
    {
        try
        {
            reload();
        }
        catch (final SQLException ex)
        {
            throw new CompletionException(ex);
        }
    }
}
