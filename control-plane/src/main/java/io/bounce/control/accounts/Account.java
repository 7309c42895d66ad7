package io.bounce.control.accounts;

import io.bounce.control.store.AccountQueries.AccountRow;

/**
 * A dashboard account as the service holds it in memory: who it is, what it may do, and the key that
 * owns its links. The password hash stays inside this package.
 *
 * @param keyId      the account's own key: it owns every link the account makes.
 * @param disabledAt 0 unless disabled: a disabled account signs in to nothing and its keys authenticate nothing.
 * @param passwordStamp a fingerprint of the current password's hash (not of the password): it changes with the
 *                      password, so a session can end when the password it signed in with does.
 */
public record Account(long id, String email, Role role, long keyId, long createdAt, long disabledAt, long passwordStamp)
{
    /** What an account may do: a member makes and reads its own links; an admin sees and changes everything. */
    public enum Role
    {
        ADMIN("admin", "admin"),
        MEMBER("member", "links:write,links:read,analytics:read");

        private final String label;
        private final String scopes;

        Role(final String label, final String scopes)
        {
            this.label = label;
            this.scopes = scopes;
        }

        public String label()
        {
            return label;
        }

        /** The scopes of the account's own key. */
        String scopes()
        {
            return scopes;
        }

        /** @return the role named {@code label}, or null. */
        public static Role parse(final String label)
        {
            for (final Role role : values())
            {
                if (role.label.equals(label))
                {
                    return role;
                }
            }
            return null;
        }
    }

    static Account of(final AccountRow row)
    {
        final Role role = Role.parse(row.role);
        return new Account(row.id, row.email, role == null ? Role.MEMBER : role, row.keyId, row.createdAt, row.disabledAt,
            stamp(row.passwordHash));
    }

    private static long stamp(final String passwordHash)
    {
        try
        {
            final byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(passwordHash.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return java.nio.ByteBuffer.wrap(digest).getLong();
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public boolean isAdmin()
    {
        return role == Role.ADMIN;
    }

    public boolean isDisabled()
    {
        return disabledAt != 0;
    }
}
