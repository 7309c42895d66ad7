package io.bounce.replication.log;

import java.io.IOException;

import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.tls.TlsRecord;

/**
 * Where a {@link LogFollower} applies what it receives: the edge's replica (or a relay's). Called only
 * from the follower's thread.
 */
public interface FollowerSink
{
    /** @return the last sequence applied and persisted (0 for an empty replica that must bootstrap). */
    long appliedSequence();

    /** @return the commit time of {@link #appliedSequence()}, 0 if unknown. */
    long appliedCommittedAtMs();

    /**
     * Apply one change. Must be idempotent: after a crash the follower resumes from the last
     * {@link #checkpoint} and may hand over changes already applied.
     */
    void apply(LinkRecord record);

    /** Apply a TLS record (a domain's policy, a certificate, the ticket keys), idempotently as links are. */
    void apply(TlsRecord record);

    /** Persist that every change up to {@code sequence} is applied. */
    void checkpoint(long sequence, long committedAtMs);

    /** @return the history id of the leader whose changes the store holds, or null when it was never told one. */
    default String historyId()
    {
        return null;
    }

    /** Persist the history id of the leader whose changes the store holds (after a snapshot from it, or on first hearing it). */
    default void history(final String historyId)
    {
    }

    /** Start loading a snapshot into a fresh, empty store sized for {@code expectedRecords}. */
    Bootstrap beginBootstrap(long expectedRecords) throws IOException;

    /** A snapshot being loaded beside the live store, which keeps serving until {@link #commit}. */
    interface Bootstrap extends AutoCloseable
    {
        void put(LinkRecord record);

        void put(TlsRecord record);

        /** Make the loaded store the live one, atomically, with {@code sequence} as its applied sequence. */
        void commit(long sequence, long committedAtMs) throws IOException;

        /** Discard the store unless it was committed. */
        @Override
        void close();
    }
}
