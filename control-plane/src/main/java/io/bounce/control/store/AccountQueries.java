package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The {@code accounts} table: dashboard accounts and the key each owns its links through. */
public final class AccountQueries
{
    private AccountQueries()
    {
    }

    /** One account as stored: never the password, only its argon2id PHC string. */
    public static final class AccountRow
    {
        public long id;
        public String email;
        public String passwordHash;
        /** {@code admin} or {@code member}. */
        public String role;
        /** The account's own key: it owns the account's links. */
        public long keyId;
        public long createdAt;
        /** 0 unless disabled. */
        public long disabledAt;
    }

    /** Insert {@code row} and set its id. */
    public static long insert(final Connection c, final AccountRow row) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "INSERT INTO accounts (email, password_hash, role, key_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id");
        ps.setString(1, row.email);
        ps.setString(2, row.passwordHash);
        ps.setString(3, row.role);
        ps.setLong(4, row.keyId);
        ps.setLong(5, row.createdAt);
        try (ResultSet rs = ps.executeQuery())
        {
            rs.next();
            row.id = rs.getLong(1);
        }
        final PreparedStatement own = Queries.prepare(c, "UPDATE api_keys SET account_id = ? WHERE id = ?");
        own.setLong(1, row.id);
        own.setLong(2, row.keyId);
        own.executeUpdate();
        return row.id;
    }

    public static List<AccountRow> list(final Connection c) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "SELECT id, email, password_hash, role, key_id, created_at, disabled_at FROM accounts ORDER BY id");
        final List<AccountRow> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery())
        {
            while (rs.next())
            {
                final AccountRow row = new AccountRow();
                row.id = rs.getLong(1);
                row.email = rs.getString(2);
                row.passwordHash = rs.getString(3);
                row.role = rs.getString(4);
                row.keyId = rs.getLong(5);
                row.createdAt = rs.getLong(6);
                row.disabledAt = rs.getLong(7);
                rows.add(row);
            }
        }
        return rows;
    }

    /** @return false if there is no account {@code id}. */
    public static boolean setPassword(final Connection c, final long id, final String passwordHash) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE accounts SET password_hash = ? WHERE id = ?");
        ps.setString(1, passwordHash);
        ps.setLong(2, id);
        return ps.executeUpdate() == 1;
    }

    /** Set an account's role and its own key's scopes with it. @return false if there is no account {@code id}. */
    public static boolean setRole(final Connection c, final long id, final String role, final String scopes) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE accounts SET role = ? WHERE id = ?");
        ps.setString(1, role);
        ps.setLong(2, id);
        if (ps.executeUpdate() != 1)
        {
            return false;
        }
        final PreparedStatement key = Queries.prepare(c, "UPDATE api_keys SET scopes = ? WHERE id = (SELECT key_id FROM accounts WHERE id = ?)");
        key.setString(1, scopes);
        key.setLong(2, id);
        key.executeUpdate();
        return true;
    }

    /** @param disabledAt when, or 0 to enable it again. @return false if there is no account {@code id}. */
    public static boolean setDisabled(final Connection c, final long id, final long disabledAt) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE accounts SET disabled_at = ? WHERE id = ?");
        ps.setLong(1, disabledAt);
        ps.setLong(2, id);
        return ps.executeUpdate() == 1;
    }
}
