package io.bounce.aggregator;

import java.nio.file.Path;

import io.bounce.replication.clicks.ClickFileFormat;

/**
 * A click file accepted and waiting to be counted: durable in the inbox, decompressed in staging.
 *
 * @param inboxFile    the compressed file as the edge sent it (fsynced).
 * @param tsv          its rows, decompressed and checked (not fsynced: staged again after a restart).
 * @param rows         how many rows {@link ClickRows} counted in it.
 * @param tsvBytes     the decompressed size, what the backlog is measured in.
 * @param acceptedAtMs when it was accepted (for the oldest-pending gauge).
 */
record AcceptedFile(ClickFileFormat.Identity identity, Path inboxFile, Path tsv, long rows, long tsvBytes, long acceptedAtMs)
{
}
