package io.bounce.replication.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import io.bounce.runtime.http.Problem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One follower's stream, run on a thread of its own: a snapshot, or the log from a sequence on, as
 * chunked HTTP. Writing blocks while the socket's outbound buffer is over its high-water mark, so a
 * slow follower slows its own stream and holds a bounded amount of memory.
 */
final class LogStream implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(LogStream.class);
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int READ_BATCH = 1024;
    /** How long a follower ahead of this log's head waits for it before it is told to bootstrap. */
    private static final long AHEAD_WAIT_MS = 5_000;

    private final LogServer server;
    private final Channel channel;
    private final boolean snapshot;
    private final long from;
    private final Object writable = new Object();
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer frame = ByteBuffer.allocate(ReplicationFormat.MAX_FRAME_LENGTH);
    private final ChunkOutput out = new ChunkOutput();

    LogStream(final LogServer server, final Channel channel, final boolean snapshot, final long from)
    {
        this.server = server;
        this.channel = channel;
        this.snapshot = snapshot;
        this.from = from;
    }

    /** Called from the event loop when the channel's writability or state changes. */
    void wake()
    {
        synchronized (writable)
        {
            writable.notifyAll();
        }
    }

    @Override
    public void run()
    {
        server.connected.incrementAndGet();
        try (ChangeLogSource.Cursor cursor = server.source().openCursor())
        {
            if (snapshot)
            {
                streamSnapshot(cursor);
            }
            else
            {
                streamLog(cursor);
            }
        }
        catch (final FollowerGoneException ex)
        {
            LOG.debug("follower {} went away", channel.remoteAddress());
        }
        catch (final Exception ex)
        {
            server.streamsFailed.increment();
            LOG.warn("replication stream to {} failed: {}", channel.remoteAddress(), ex.toString());
        }
        finally
        {
            // Not a clean end (a log stream only ends this way): cut it, so the follower sees no LastHttpContent.
            out.discard();
            channel.close();
            server.connected.decrementAndGet();
            server.releaseFollower();
        }
    }

    private void streamSnapshot(final ChangeLogSource.Cursor cursor) throws Exception
    {
        final LZ4FrameOutputStream[] lz4 = new LZ4FrameOutputStream[1];
        final long[] counts = new long[3]; // sequence, committedAt, records sent
        cursor.snapshot(new ChangeLogSource.SnapshotSink()
        {
            @Override
            public void begin(final long sequence, final long committedAtMs, final long records) throws IOException
            {
                final HttpResponse response = streamResponse("application/vnd.bounce.snapshot+lz4");
                response.headers().set(ReplicationFormat.RECORDS_HEADER, records).set("Bounce-Snapshot-Sequence", sequence);
                send(response);
                lz4[0] = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                    LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
                lz4[0].write(ReplicationFormat.streamHeader(ReplicationFormat.KIND_SNAPSHOT, sequence));
                counts[0] = sequence;
                counts[1] = committedAtMs;
            }

            @Override
            public void record(final long sequence, final byte type, final byte[] record) throws IOException
            {
                frame.clear();
                ReplicationFormat.writeFrame(frame, type, sequence, 0, record, record.length, crc);
                lz4[0].write(frame.array(), 0, frame.position());
                counts[2]++;
            }
        });
        lz4[0].write(ReplicationFormat.frame(ReplicationFormat.TYPE_END, counts[0], counts[1],
            ReplicationFormat.longPayload(counts[2])));
        lz4[0].close(); // ends the LZ4 frame and flushes the last chunk
        server.snapshotsServed.increment();
        awaitWritable();
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    private void streamLog(final ChangeLogSource.Cursor cursor) throws Exception
    {
        final LogHead head = server.source().head();
        final long first = cursor.firstRetained();
        // A follower a little ahead has come from another control plane of the same store (a failover): this one's view of
        // the log (a standby's, say) catches up within moments, and the follower resumes rather than bootstraps.
        final long headSequence = from > head.sequence() + 1 ? head.awaitBeyond(from - 2, AHEAD_WAIT_MS) : head.sequence();
        if (from < first || from > headSequence + 1)
        {
            server.refusedGone.increment();
            final String detail = from < first
                ? "sequence " + from + " is no longer retained (oldest kept: " + first + "); bootstrap from the snapshot"
                : "sequence " + from + " is ahead of this log's head " + headSequence + "; bootstrap from the snapshot";
            channel.writeAndFlush(LogServerHandler.refusal(new Problem(410, "log-gone", detail)))
                .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        server.streamsOpened.increment();
        send(streamResponse("application/vnd.bounce.log"));
        out.write(ReplicationFormat.streamHeader(ReplicationFormat.KIND_LOG, from));
        long next = from;
        long lastHeartbeat = 0;
        final long heartbeatMs = server.heartbeatMs();
        final long[] expected = {from};
        final ChangeLogSource.ChangeSink sink = (sequence, committedAtMs, type, record) ->
        {
            if (sequence != expected[0])
            {
                // The range was compacted away under us: end the stream; the follower's retry gets 410.
                throw new IOException("log has no sequence " + expected[0] + " any more (next retained: " + sequence + ")");
            }
            frame.clear();
            ReplicationFormat.writeFrame(frame, type, sequence, committedAtMs, record, record.length, crc);
            out.write(frame.array(), 0, frame.position());
            expected[0]++;
        };
        while (channel.isActive())
        {
            final int read = cursor.read(next, READ_BATCH, sink);
            next = expected[0];
            server.recordsStreamed.add(read);
            final long now = System.currentTimeMillis();
            if (now - lastHeartbeat >= heartbeatMs)
            {
                out.write(ReplicationFormat.frame(ReplicationFormat.TYPE_HEARTBEAT, head.sequence(), head.committedAtMs(), new byte[0]));
                lastHeartbeat = now;
            }
            if (read == READ_BATCH)
            {
                continue; // more to read: flush when a chunk fills
            }
            out.flush();
            head.awaitBeyond(next - 1, Math.max(1, heartbeatMs - (System.currentTimeMillis() - lastHeartbeat)));
        }
        throw new FollowerGoneException();
    }

    private HttpResponse streamResponse(final String contentType)
    {
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, contentType)
            .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
            .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
            .set(ReplicationFormat.VERSION_HEADER, ReplicationFormat.VERSION);
        final String history = server.source().historyId();
        if (history != null)
        {
            response.headers().set(ReplicationFormat.HISTORY_HEADER, history);
        }
        return response;
    }

    private void send(final Object message) throws IOException
    {
        awaitWritable();
        channel.writeAndFlush(message);
    }

    private void awaitWritable() throws IOException
    {
        synchronized (writable)
        {
            while (channel.isActive() && !channel.isWritable())
            {
                try
                {
                    writable.wait(100);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new FollowerGoneException();
                }
            }
        }
        if (!channel.isActive())
        {
            throw new FollowerGoneException();
        }
    }

    /** The follower closed its connection. */
    private static final class FollowerGoneException extends IOException
    {
        FollowerGoneException()
        {
            super("follower went away");
        }
    }

    /** Bytes into 64 KiB chunks, each sent as one HTTP chunk once full or flushed. */
    private final class ChunkOutput extends OutputStream
    {
        private ByteBuf chunk;

        @Override
        public void write(final int b) throws IOException
        {
            write(new byte[] {(byte)b}, 0, 1);
        }

        @Override
        public void write(final byte[] bytes, final int offset, final int length) throws IOException
        {
            int written = 0;
            while (written < length)
            {
                if (chunk == null)
                {
                    chunk = channel.alloc().buffer(CHUNK_BYTES, CHUNK_BYTES);
                }
                final int n = Math.min(length - written, chunk.writableBytes());
                chunk.writeBytes(bytes, offset + written, n);
                written += n;
                if (!chunk.isWritable())
                {
                    sendChunk();
                }
            }
        }

        @Override
        public void flush() throws IOException
        {
            if (chunk != null)
            {
                sendChunk();
            }
        }

        @Override
        public void close() throws IOException
        {
            flush();
        }

        /** Drop a chunk that will never be sent (the stream failed). */
        void discard()
        {
            if (chunk != null)
            {
                chunk.release();
                chunk = null;
            }
        }

        private void sendChunk() throws IOException
        {
            final ByteBuf full = chunk;
            chunk = null;
            try
            {
                awaitWritable();
            }
            catch (final IOException ex)
            {
                full.release();
                throw ex;
            }
            channel.writeAndFlush(new DefaultHttpContent(full));
        }
    }
}
