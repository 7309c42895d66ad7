package io.bounce.control.accounts;

import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

import io.bounce.control.Audit;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.ApiKeys;
import io.bounce.control.keys.KeyService;
import io.bounce.control.keys.Scope;
import io.bounce.control.store.AccountQueries;
import io.bounce.control.store.AccountQueries.AccountRow;
import io.bounce.control.store.Queries;
import io.bounce.control.store.SessionQueries;
import io.bounce.control.store.Store;
import io.bounce.runtime.crypto.PasswordHash;
import io.bounce.runtime.http.Problem;

/**
 * Dashboard accounts: creating them (each with its own key, which owns the links the account makes), changing a
 * password, a role or whether one is enabled, and checking a password at sign-in. Passwords are kept only as
 * argon2id hashes ({@link PasswordHash}); they are never logged or answered. The accounts are held in memory and
 * reloaded after every change, like keys.
 */
public final class AccountService
{
    /** Where the first admin account's password is written, in the control plane's data dir (mode 0600). */
    public static final String ADMIN_PASSWORD_FILE = "admin.password";
    /** Password bounds (characters): long enough to resist guessing with the sign-in limits, short enough to hash cheaply. */
    public static final int MIN_PASSWORD = 10;
    public static final int MAX_PASSWORD = 128;
    private static final int MAX_EMAIL = 254;
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[A-Za-z0-9.-]{1,189}");

    private final Store store;
    private final KeyService keys;
    private final SecureRandom random = new SecureRandom();
    /**
     * Checked against when an email has no account, so that a miss costs what a wrong password does. Made at the first
     * miss (one argon2id hash), not at every start.
     */
    private static final class Decoy
    {
        static final String HASH = PasswordHash.hash("not any account's password");
    }
    private volatile Map<Long, Account> byId = Map.of();
    private volatile Map<String, AccountRow> byEmail = Map.of();

    public AccountService(final Store store, final KeyService keys)
    {
        this.store = store;
        this.keys = keys;
    }

    /** A first admin made at start: its email and the password to hand over once. */
    public record FirstAdmin(String email, String password)
    {
        @Override
        public String toString()
        {
            return "FirstAdmin[" + email + "]"; // never the password
        }
    }

    /**
     * Load the accounts; on a store with none, make the first admin account with a random password.
     *
     * @return that account and its password, or null when the store already had accounts.
     */
    public FirstAdmin start(final String adminEmail) throws Exception
    {
        final String email = checkEmail(adminEmail);
        reload();
        if (!byId.isEmpty())
        {
            return null; // every start but the first: no password to make, no hash to spend
        }
        final byte[] bytes = new byte[18];
        random.nextBytes(bytes);
        final String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        final String hash = PasswordHash.hash(password);
        final AccountRow made = store.writer().call(txn ->
        {
            if (!AccountQueries.list(txn.connection()).isEmpty())
            {
                return null;
            }
            return insert(txn.connection(), email, hash, Account.Role.ADMIN, txn.now());
        });
        keys.refresh();
        reload();
        if (made == null)
        {
            return null;
        }
        Audit.change("account.create", null).addKeyValue("accountId", made.id).addKeyValue("role", made.role).log();
        return new FirstAdmin(email, password);
    }

    private AccountRow insert(final java.sql.Connection c, final String email, final String hash, final Account.Role role, final long now)
        throws SQLException
    {
        for (final AccountRow existing : AccountQueries.list(c))
        {
            if (existing.email.equals(email))
            {
                throw new Problem(409, "account-exists", "Conflict", "an account with that email already exists");
            }
        }
        final ApiKeys.Minted key = keys.mintUnlisted("account:" + email, Scope.parseList(role.scopes()));
        key.row.createdAt = now;
        Queries.insertKey(c, key.row);
        final AccountRow row = new AccountRow();
        row.email = email;
        row.passwordHash = hash;
        row.role = role.label();
        row.keyId = key.row.id;
        row.createdAt = now;
        AccountQueries.insert(c, row);
        return row;
    }

    public List<Account> list()
    {
        return byId.values().stream().sorted(java.util.Comparator.comparingLong(Account::id)).toList();
    }

    /** @return the account, or null. */
    public Account get(final long id)
    {
        return byId.get(id);
    }

    /**
     * Check a sign-in. Blocking and deliberately slow (one argon2id hash): run it on a worker, behind the sign-in limits.
     *
     * @return the enabled account whose email and password these are, or null (an unknown email costs the same hash).
     */
    public Account verify(final String email, final byte[] password)
    {
        final AccountRow row = email == null ? null : byEmail.get(email.strip().toLowerCase(Locale.ROOT));
        final boolean right = PasswordHash.verify(row == null ? Decoy.HASH : row.passwordHash, password);
        if (!right || row == null)
        {
            return null;
        }
        final Account account = byId.get(row.id);
        return account == null || account.isDisabled() ? null : account;
    }

    /**
     * Make an account. The password is hashed here, on the caller's thread.
     *
     * @throws Problem 400 {@code account-email}, {@code account-password} or {@code account-role}; 409 when the email has one.
     */
    public CompletableFuture<Account> create(final ApiKey who, final String email, final String password, final String role)
    {
        final String checked = checkEmail(email);
        final Account.Role parsed = checkRole(role == null ? "member" : role);
        final String hash = PasswordHash.hash(checkPassword(password));
        return store.writer().submit(txn -> insert(txn.connection(), checked, hash, parsed, txn.now())).thenApply(row ->
        {
            reloadOrFail();
            Audit.change("account.create", who).addKeyValue("accountId", row.id).addKeyValue("role", row.role).log();
            return byId.get(row.id);
        });
    }

    /**
     * Change an account: any of its password, role and whether it is disabled (null: unchanged). Disabling one ends its
     * sessions and stops its keys at once.
     *
     * @throws Problem 404 for no account {@code id}; 400 for a field that breaks its rule; 409 for the last enabled admin.
     */
    public CompletableFuture<Account> update(final ApiKey who, final long id, final String password, final String role,
        final Boolean disabled)
    {
        final String hash = password == null ? null : PasswordHash.hash(checkPassword(password));
        final Account.Role parsed = role == null ? null : checkRole(role);
        return store.writer().submit(txn ->
        {
            final List<AccountRow> rows = AccountQueries.list(txn.connection());
            final AccountRow row = rows.stream().filter(r -> r.id == id).findFirst().orElseThrow(() -> Problem.notFound("no account " + id));
            final boolean losesAdmin = "admin".equals(row.role) && row.disabledAt == 0 &&
                ((parsed != null && parsed != Account.Role.ADMIN) || Boolean.TRUE.equals(disabled));
            if (losesAdmin && rows.stream().filter(r -> "admin".equals(r.role) && r.disabledAt == 0).count() == 1)
            {
                throw new Problem(409, "last-admin", "Conflict", "this is the last enabled admin account; make another admin first");
            }
            if (hash != null)
            {
                AccountQueries.setPassword(txn.connection(), id, hash);
            }
            if (parsed != null)
            {
                AccountQueries.setRole(txn.connection(), id, parsed.label(), parsed.scopes());
            }
            if (disabled != null)
            {
                AccountQueries.setDisabled(txn.connection(), id, disabled ? Math.max(row.disabledAt, txn.now()) : 0);
            }
            return id;
        }).thenApply(changed ->
        {
            reloadOrFail();
            Audit.change("account.update", who).addKeyValue("accountId", changed).addKeyValue("password", password != null)
                .addKeyValue("role", role == null ? "-" : role).addKeyValue("disabled", disabled == null ? "-" : disabled.toString()).log();
            return byId.get(changed);
        });
    }

    /** Store a signed-in session (and drop the expired ones); the future completes once it is committed. */
    public CompletableFuture<Void> saveSession(final SessionQueries.SessionRow row)
    {
        return store.writer().submit(txn ->
        {
            SessionQueries.insert(txn.connection(), row);
            return null;
        });
    }

    /** @return the stored session with this id hash, or null. Blocking: one indexed read. */
    public SessionQueries.SessionRow findSession(final String idHash) throws SQLException
    {
        return store.readers().read(c -> SessionQueries.find(c, idHash));
    }

    /** Forget a session; the future completes once that is committed. */
    public CompletableFuture<Void> deleteSession(final String idHash)
    {
        return store.writer().submit(txn ->
        {
            SessionQueries.delete(txn.connection(), idHash);
            return null;
        });
    }

    /** Load the accounts afresh (what another control plane committed, or a new leader's first look). */
    public void refresh() throws SQLException
    {
        reload();
    }

    private void reload() throws SQLException
    {
        final List<AccountRow> rows = store.readers().read(AccountQueries::list);
        final Map<Long, Account> ids = new HashMap<>();
        final Map<String, AccountRow> emails = new HashMap<>();
        for (final AccountRow row : rows)
        {
            ids.put(row.id, Account.of(row));
            emails.put(row.email, row);
        }
        byId = Map.copyOf(ids);
        byEmail = Map.copyOf(emails);
    }

    private void reloadOrFail()
    {
        try
        {
            keys.refresh();
            reload();
        }
        catch (final SQLException ex)
        {
            throw new CompletionException(ex);
        }
    }

    /** @return the email, stripped and lower-cased. @throws Problem 400 {@code account-email}. */
    static String checkEmail(final String email)
    {
        final String value = email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
        if (value.length() > MAX_EMAIL || !EMAIL.matcher(value).matches())
        {
            throw Problem.badRequest("account-email", "email must look like name@example.com (at most " + MAX_EMAIL + " characters)");
        }
        return value;
    }

    private static Account.Role checkRole(final String role)
    {
        final Account.Role parsed = Account.Role.parse(role);
        if (parsed == null)
        {
            throw Problem.badRequest("account-role", "role must be admin or member");
        }
        return parsed;
    }

    /** @throws Problem 400 {@code account-password} (the value never echoed). */
    static String checkPassword(final String password)
    {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD ||
            password.chars().anyMatch(Character::isISOControl) || password.isBlank())
        {
            throw Problem.badRequest("account-password",
                "password must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters, none of them control characters");
        }
        return password;
    }
}
