package io.bounce.replication.link;

/** A link record's bytes cannot be read: unknown format version or inconsistent lengths. */
public final class LinkFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public LinkFormatException(final String message)
    {
        super(message);
    }
}
