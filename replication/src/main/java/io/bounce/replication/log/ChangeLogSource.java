package io.bounce.replication.log;

import java.io.IOException;

/**
 * What a log server serves from: the control plane's store, or (later) a relay's own replica and
 * retained log. Implementations are safe to call from any thread; each {@link Cursor} is owned by the
 * one streaming thread that opened it.
 */
public interface ChangeLogSource
{
    /** @return the head: the sequence of the newest committed change, and when it committed. */
    LogHead head();

    /** @return the store's history id, sent with every stream ({@link ReplicationFormat#HISTORY_HEADER}); null: none. */
    default String historyId()
    {
        return null;
    }

    /** Open a cursor for one follower's stream. */
    Cursor openCursor() throws Exception;

    /** Receives changes in sequence order. */
    @FunctionalInterface
    interface ChangeSink
    {
        /** @param type the frame type the record travels in: {@link ReplicationFormat#TYPE_RECORD} for a link, 4-6 for TLS records. */
        void change(long sequence, long committedAtMs, byte type, byte[] record) throws IOException;
    }

    /** Receives a snapshot: its header first, then every record. */
    interface SnapshotSink
    {
        void begin(long sequence, long committedAtMs, long records) throws IOException;

        /** @param type as in {@link ChangeSink#change}. */
        void record(long sequence, byte type, byte[] record) throws IOException;
    }

    /** One follower's reading position into the source. */
    interface Cursor extends AutoCloseable
    {
        /** @return the oldest sequence still retained; {@code head + 1} when nothing is. */
        long firstRetained() throws Exception;

        /**
         * Deliver retained changes with sequence {@code >= from}, in order, at most {@code max} of them.
         *
         * @return how many were delivered.
         */
        int read(long from, int max, ChangeSink sink) throws Exception;

        /**
         * Deliver every record as of one consistent sequence: the links (tombstones included), then the
         * current TLS records; {@link SnapshotSink#begin}'s count covers both.
         */
        void snapshot(SnapshotSink sink) throws Exception;

        @Override
        void close() throws Exception;
    }
}
