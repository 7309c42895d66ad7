package io.bounce.replication.log;

/** The leader sent something this follower will not apply: the stream is dropped and nothing of it is applied. */
public final class ProtocolException extends RuntimeException
{
    /** What went wrong, one counter each. */
    public enum Reason
    {
        /** A frame's checksum (or its length) did not check out. */
        CHECKSUM,
        /** A record's sequence was not the next one expected. */
        SEQUENCE_GAP,
        /** A format version this build does not read: a newer leader. */
        VERSION,
        /** Anything else malformed: magic, kind, frame type, a record that does not decode. */
        FORMAT
    }

    private final Reason reason;

    public ProtocolException(final Reason reason, final String message)
    {
        super(message);
        this.reason = reason;
    }

    public Reason reason()
    {
        return reason;
    }
}
