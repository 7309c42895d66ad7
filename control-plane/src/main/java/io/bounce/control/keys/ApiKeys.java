package io.bounce.control.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.bounce.control.store.Queries;
import io.bounce.control.store.Queries.KeyRow;

/**
 * API keys: 256-bit random secrets shown once at creation ({@code bnc_} + 43 base64url characters),
 * stored only as their SHA-256. Authentication hashes the presented key, finds the stored hash and
 * compares the two in constant time. The active keys are held in memory (replaced whole on every
 * create or revoke), so authenticating never touches the database.
 */
public final class ApiKeys
{
    public static final String PREFIX = "bnc_";

    private final SecureRandom random = new SecureRandom();
    private final double defaultRate;
    private final int defaultBurst;
    private volatile Map<String, Entry> active = Map.of();
    private volatile Map<Long, ApiKey> activeById = Map.of();

    private static final class Entry
    {
        final byte[] hash;
        final ApiKey key;

        Entry(final byte[] hash, final ApiKey key)
        {
            this.hash = hash;
            this.key = key;
        }
    }

    public ApiKeys(final double defaultRate, final int defaultBurst)
    {
        this.defaultRate = defaultRate;
        this.defaultBurst = defaultBurst;
    }

    /** A freshly minted secret: the row to store and the key to show once. */
    public static final class Minted
    {
        public final KeyRow row;
        public final String secret;

        Minted(final KeyRow row, final String secret)
        {
            this.row = row;
            this.secret = secret;
        }
    }

    public Minted mint(final String name, final Set<Scope> scopes, final Double ratePerSecond, final Integer burst, final long now)
    {
        return mint(name, scopes, ratePerSecond, burst, null, now);
    }

    /** @param domains the branded domains it may create links on, comma-separated ({@code *}: all), or null for none. */
    public Minted mint(final String name, final Set<Scope> scopes, final Double ratePerSecond, final Integer burst,
        final String domains, final long now)
    {
        final byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        final String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        final KeyRow row = new KeyRow();
        row.name = name;
        row.secretHash = sha256(secret);
        row.scopes = Scope.join(scopes);
        row.ratePerSecond = ratePerSecond;
        row.burst = burst;
        row.domains = domains;
        row.createdAt = now;
        return new Minted(row, secret);
    }

    /** Reload the active keys from the store (after any create or revoke has committed). */
    public void reload(final Connection connection) throws SQLException
    {
        final Map<String, Entry> loaded = new HashMap<>();
        final Map<Long, ApiKey> ids = new HashMap<>();
        final List<KeyRow> rows = Queries.listKeys(connection);
        for (final KeyRow row : rows)
        {
            if (row.revokedAt == 0 && row.accountDisabledAt == 0)
            {
                final ApiKey key = toKey(row);
                loaded.put(HexFormat.of().formatHex(row.secretHash), new Entry(row.secretHash, key));
                ids.put(row.id, key);
            }
        }
        active = Map.copyOf(loaded);
        activeById = Map.copyOf(ids);
    }

    public ApiKey toKey(final KeyRow row)
    {
        final double rate = row.ratePerSecond == null ? defaultRate : row.ratePerSecond;
        final int burst = row.burst == null ? defaultBurst : row.burst;
        return new ApiKey(row.id, row.name, Scope.parseList(row.scopes), rate, burst,
            row.domains == null ? Set.of() : Set.copyOf(java.util.Arrays.asList(row.domains.split(","))),
            row.accountId, row.accountKeyId != 0 ? row.accountKeyId : row.id);
    }

    /** @return the active key {@code id}, or null when there is none (revoked, or its account disabled). */
    public ApiKey byId(final long id)
    {
        return activeById.get(id);
    }

    /** @return the key this bearer secret belongs to, or null when it is unknown or revoked. */
    public ApiKey authenticate(final String secret)
    {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 128)
        {
            return null;
        }
        final byte[] hash = sha256(secret);
        final Entry entry = active.get(HexFormat.of().formatHex(hash));
        return entry != null && MessageDigest.isEqual(entry.hash, hash) ? entry.key : null;
    }

    static byte[] sha256(final String secret)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }
}
