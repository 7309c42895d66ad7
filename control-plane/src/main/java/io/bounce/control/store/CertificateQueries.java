package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The SQL of the {@code certificates} table: a domain's certificates, one per key type, keys sealed. */
public final class CertificateQueries
{
    /** A stored certificate: its chain in PEM, its private key sealed, and what is read from it. */
    public record Row(String domain, String keyType, String chainPem, byte[] sealedKey, String fingerprint, long notAfterMs, long createdAtMs)
    {
        @Override
        public String toString()
        {
            return "certificate " + domain + " " + keyType + " sha256 " + fingerprint; // never the sealed key
        }
    }

    private CertificateQueries()
    {
    }

    /** Insert or replace the domain's certificate of the row's key type. */
    public static void put(final Connection c, final Row row) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "INSERT INTO certificates (domain, key_type, chain_pem, sealed_key, fingerprint, not_after, created_at)" +
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain, key_type) DO UPDATE SET chain_pem = excluded.chain_pem," +
                " sealed_key = excluded.sealed_key, fingerprint = excluded.fingerprint, not_after = excluded.not_after," +
                " created_at = excluded.created_at");
        ps.setString(1, row.domain());
        ps.setString(2, row.keyType());
        ps.setString(3, row.chainPem());
        ps.setBytes(4, row.sealedKey());
        ps.setString(5, row.fingerprint());
        ps.setLong(6, row.notAfterMs());
        ps.setLong(7, row.createdAtMs());
        ps.executeUpdate();
    }

    /** @return the domain's certificates, ECDSA before RSA. */
    public static List<Row> forDomain(final Connection c, final String domain) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "SELECT domain, key_type, chain_pem, sealed_key, fingerprint, not_after, created_at FROM certificates" +
                " WHERE domain = ? ORDER BY key_type");
        ps.setString(1, domain);
        try (ResultSet rs = ps.executeQuery())
        {
            final List<Row> rows = new ArrayList<>();
            while (rs.next())
            {
                rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getString(5), rs.getLong(6),
                    rs.getLong(7)));
            }
            return rows;
        }
    }
}
