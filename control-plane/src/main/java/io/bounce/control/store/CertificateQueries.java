package io.bounce.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.bounce.replication.tls.CertificateRecord;

/** The SQL of the {@code certificates} table: a domain's certificates, one per key type, keys sealed. */
public final class CertificateQueries
{
    /** A stored certificate: its chain in PEM, its private key sealed, and what is read from it. */
    public record Row(String domain, String keyType, String chainPem, byte[] sealedKey, String fingerprint, long notAfterMs, long createdAtMs,
        long seq)
    {
        /** @return the change-log record that carries this certificate to the edges. */
        public CertificateRecord toRecord()
        {
            return new CertificateRecord(seq, domain, keyType, fingerprint, notAfterMs, chainPem, sealedKey);
        }

        @Override
        public String toString()
        {
            return "certificate " + domain + " " + keyType + " sha256 " + fingerprint; // never the sealed key
        }
    }

    private static final String COLUMNS =
        "SELECT domain, key_type, chain_pem, sealed_key, fingerprint, not_after, created_at, seq FROM certificates";

    private CertificateQueries()
    {
    }

    /** Insert or replace the domain's certificate of the row's key type. */
    public static void put(final Connection c, final Row row) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            "INSERT INTO certificates (domain, key_type, chain_pem, sealed_key, fingerprint, not_after, created_at, seq)" +
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain, key_type) DO UPDATE SET chain_pem = excluded.chain_pem," +
                " sealed_key = excluded.sealed_key, fingerprint = excluded.fingerprint, not_after = excluded.not_after," +
                " created_at = excluded.created_at, seq = excluded.seq");
        ps.setString(1, row.domain());
        ps.setString(2, row.keyType());
        ps.setString(3, row.chainPem());
        ps.setBytes(4, row.sealedKey());
        ps.setString(5, row.fingerprint());
        ps.setLong(6, row.notAfterMs());
        ps.setLong(7, row.createdAtMs());
        ps.setLong(8, row.seq());
        ps.executeUpdate();
    }

    /** @return the domain's certificates, ECDSA before RSA. */
    public static List<Row> forDomain(final Connection c, final String domain) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c,
            COLUMNS + " WHERE domain = ? ORDER BY key_type");
        ps.setString(1, domain);
        return rows(ps);
    }

    /** @return the certificates no change has carried yet (stored before the change log carried them). */
    public static List<Row> unlogged(final Connection c) throws SQLException
    {
        return rows(Queries.prepare(c, COLUMNS + " WHERE seq = 0 ORDER BY domain, key_type"));
    }

    /** Receives certificates one at a time. */
    @FunctionalInterface
    public interface RowSink
    {
        void accept(Row row) throws java.io.IOException;
    }

    /** @return how many certificates a change has carried: what a snapshot sends. */
    public static long countLogged(final Connection c) throws SQLException
    {
        try (ResultSet rs = Queries.prepare(c, "SELECT COUNT(*) FROM certificates WHERE seq > 0").executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deliver the certificates a change has carried, one row at a time (a snapshot never holds them all). */
    public static void scanLogged(final Connection c, final RowSink sink) throws SQLException, java.io.IOException
    {
        try (ResultSet rs = Queries.prepare(c, COLUMNS + " WHERE seq > 0 ORDER BY domain, key_type").executeQuery())
        {
            while (rs.next())
            {
                sink.accept(row(rs));
            }
        }
    }

    /** Set the sequence of the change that carries the domain's certificate of {@code keyType}. */
    public static void setSeq(final Connection c, final String domain, final String keyType, final long seq) throws SQLException
    {
        final PreparedStatement ps = Queries.prepare(c, "UPDATE certificates SET seq = ? WHERE domain = ? AND key_type = ?");
        ps.setLong(1, seq);
        ps.setString(2, domain);
        ps.setString(3, keyType);
        ps.executeUpdate();
    }

    private static List<Row> rows(final PreparedStatement ps) throws SQLException
    {
        try (ResultSet rs = ps.executeQuery())
        {
            final List<Row> rows = new ArrayList<>();
            while (rs.next())
            {
                rows.add(row(rs));
            }
            return rows;
        }
    }

    private static Row row(final ResultSet rs) throws SQLException
    {
        return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getString(5), rs.getLong(6), rs.getLong(7),
            rs.getLong(8));
    }
}
