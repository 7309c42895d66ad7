package io.bounce.edge.replica;

import java.io.IOException;

/** Another process holds the data directory: two edges must never open one replica. */
public final class ReplicaLockedException extends IOException
{
    private static final long serialVersionUID = 1L;

    public ReplicaLockedException(final String message)
    {
        super(message);
    }
}
