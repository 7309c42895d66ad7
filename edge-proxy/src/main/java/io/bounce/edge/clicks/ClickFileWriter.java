package io.bounce.edge.clicks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.bounce.edge.EdgeConfig;
import io.bounce.replication.clicks.ClickFileFormat;
import io.bounce.runtime.agent.Backoff;
import io.bounce.runtime.files.DurableFiles;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent ({@code click-writer}, one thread) that drains the {@link ClickRecorder}'s ring into click
 * files ({@link ClickFileFormat}): each event becomes a row ({@link ClickRowEncoder}: the client
 * address becomes a visitor hash there, so it never reaches a file); a file is written under
 * {@code open/}, and after
 * {@code rotateMs} or {@code rotateBytes} (uncompressed) it is finished (LZ4 end mark and checksum),
 * fsynced and renamed into {@code outbox/}, where the {@link ClickShipper} finds it. File sequences
 * come from {@code next-sequence}, written and fsynced before a file is opened, so they survive
 * restarts. While the unshipped files reach {@code diskBudgetBytes}, events are dropped and counted:
 * files are never deleted to make room.
 *
 * <p>A file left in {@code open/} by a crash or a failed write is salvaged (at the next start, or when
 * the writer is due again after the failure): its complete rows are written to a new file; if
 * nothing can be read it is moved to {@code quarantine/}.
 */
final class ClickFileWriter implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ClickFileWriter.class);
    /**
     * Rows are handed to the file about this many bytes at a time, and each hand-over is flushed as one
     * LZ4 block: the frame's blocks (256 KiB) are larger than a hand-over can be, so a block on disk is
     * either whole (a salvage reads it back) or broken (its rows are still pending): never both.
     */
    private static final int BLOCK_BYTES = 64 * 1024;

    private final ClickRecorder recorder;
    private final String edgeId;
    private final Path openDir;
    private final Path outbox;
    private final Path quarantine;
    private final Path sequenceFile;
    private final EpochClock clock;
    private final long rotateMs;
    private final long rotateBytes;
    private final long diskBudgetBytes;
    private final ClickRowEncoder rows;
    private final AtomicLong pendingBytes;
    private final ClickStats stats;
    private final RingBuffer ring;
    private final ControlledMessageHandler onEvent = this::onEvent;
    /**
     * Rows not yet handed to the file: up to one LZ4 block, then written and flushed as one. A write
     * that fails loses none of them: they stay here for the next file. Rows already flushed are whole
     * blocks on disk, which a salvage reads back.
     */
    private final byte[] pending = new byte[BLOCK_BYTES + ClickRowEncoder.MAX_ROW_BYTES];
    private int pendingLength;
    private long pendingEvents;
    /** The write failure an event ran into, for the duty cycle to handle once the ring read stops. */
    private IOException failure;
    /** After a write failure: no file is written until it is due again (the ring keeps what fits meanwhile). */
    private final Backoff backoff = new Backoff(100, 30_000);

    private long nextSequence;
    private long fileSequence;
    private Path fileTmp;
    private FileChannel fileChannel;
    private LZ4FrameOutputStream file;
    private long fileOpenedAtMs;
    private long fileBytes;
    /** Rows flushed to the open file: counted as written once the file is finished. */
    private long fileEvents;
    /** Rows in files this run gave up on after a failed write, until a salvage says how many it kept. */
    private long abandonedEvents;

    /** @param config the edge id, rotation, disk budget and trusted proxies. */
    ClickFileWriter(final EdgeConfig config, final ClickRecorder recorder, final Path clicksDir, final EpochClock clock,
        final VisitorHasher visitors, final AtomicLong pendingBytes, final ClickStats stats, final io.bounce.edge.geo.GeoIp geoIp)
        throws IOException
    {
        final String edgeId = config.edgeId();
        this.recorder = recorder;
        this.edgeId = edgeId;
        this.openDir = Files.createDirectories(clicksDir.resolve("open"));
        this.outbox = Files.createDirectories(clicksDir.resolve("outbox"));
        this.quarantine = Files.createDirectories(clicksDir.resolve("quarantine"));
        this.sequenceFile = clicksDir.resolve("next-sequence");
        this.clock = clock;
        this.rotateMs = config.clicks().rotateMs();
        this.rotateBytes = config.clicks().rotateBytes();
        this.diskBudgetBytes = config.clicks().diskBudgetBytes();
        this.rows = new ClickRowEncoder(edgeId, visitors, new TrustedProxies(config.trustedProxies()), geoIp);
        this.pendingBytes = pendingBytes;
        this.stats = stats;
        this.ring = recorder.ring();
        this.nextSequence = readNextSequence();
        salvage(false);
    }

    @Override
    public String roleName()
    {
        return "click-writer";
    }

    /**
     * Drain up to 4,096 events into rows and rotate the file when due. A write that fails (a full or
     * failing disk) is counted and logged, the file in hand is abandoned to {@code open/}, and writing
     * stops for a backoff, the rows not yet in the file kept in memory and the events not yet read kept
     * in the ring. When it is due again, the abandoned file's whole blocks are salvaged into a new file,
     * the kept rows follow, and recording resumes by itself. Events that do not fit the ring meanwhile
     * are dropped and counted there ({@code ring_full}).
     */
    @Override
    public int doWork()
    {
        final long nowMs = clock.time();
        if (!backoff.isDue(nowMs))
        {
            return 0;
        }
        try
        {
            if (!backoff.isClear())
            {
                salvage(true);
                LOG.info("click writer recovered after {} failed attempts; recording again", backoff.failures());
                backoff.reset();
            }
            final int read = ring.controlledRead(onEvent, 4096);
            if (failure != null)
            {
                throw failure;
            }
            rotateIfDue(false);
            return read;
        }
        catch (final IOException ex)
        {
            failure = null;
            stats.writeErrors.incrementAndGet();
            abandonFile();
            final long delayMs = backoff.failed(nowMs);
            if (backoff.failures() == 1 || backoff.failures() % 10 == 0)
            {
                LOG.error("click writer failed ({} in a row); clicks wait in the ring, retrying in {} ms: {}", backoff.failures(), delayMs,
                    ex.toString());
            }
            return 0;
        }
    }

    /** Stopping: the recorder takes no more; write out what the ring still holds, then finish the file. */
    @Override
    public void onClose()
    {
        try
        {
            if (!backoff.isClear())
            {
                salvage(true);
            }
            while (ring.controlledRead(onEvent, 4096) > 0 && failure == null)
            {
                // drain
            }
            if (failure != null)
            {
                throw failure;
            }
            rotateIfDue(true);
        }
        catch (final IOException ex)
        {
            stats.writeErrors.incrementAndGet();
            abandonFile();
            // What never reached the disk is lost with this process: counted, so recorded = written + dropped holds.
            stats.droppedWriteError.addAndGet(pendingEvents);
            pendingEvents = 0;
            pendingLength = 0;
            ring.read((type, buffer, index, length) -> stats.droppedWriteError.incrementAndGet());
            LOG.error("click writer could not finish its file on the way down; the next start salvages its whole blocks: {}",
                ex.toString());
        }
    }

    /** @return true while the last write attempt failed and writing is backed off. */
    boolean isFailing()
    {
        return !backoff.isClear();
    }

    /** Give up on the file in hand after a failed write: it stays in {@code open/} for {@link #salvage()}. */
    private void abandonFile()
    {
        if (fileChannel != null)
        {
            try
            {
                fileChannel.close();
            }
            catch (final IOException ignored)
            {
                // already failing; salvage reads what reached the disk
            }
        }
        abandonedEvents += fileEvents;
        fileEvents = 0;
        file = null;
        fileChannel = null;
    }

    private ControlledMessageHandler.Action onEvent(final int msgType, final DirectBuffer buffer, final int index, final int length)
    {
        if (pendingLength >= BLOCK_BYTES)
        {
            // A block a failed write left behind goes first: there is no room for another row behind it.
            try
            {
                flushPending();
            }
            catch (final IOException ex)
            {
                failure = ex;
                return ControlledMessageHandler.Action.ABORT; // this event stays in the ring, unread
            }
        }
        if (pendingBytes.get() + (fileBytes + pendingLength) / 4 >= diskBudgetBytes)
        {
            stats.droppedDiskBudget.incrementAndGet();
            return ControlledMessageHandler.Action.CONTINUE;
        }
        final int n = rows.encode(buffer, index);
        System.arraycopy(rows.row(), 0, pending, pendingLength, n);
        pendingLength += n;
        pendingEvents++;
        if (pendingLength >= BLOCK_BYTES)
        {
            try
            {
                flushPending();
            }
            catch (final IOException ex)
            {
                failure = ex; // this event's row is safe in the pending rows; the rest stay in the ring
                return ControlledMessageHandler.Action.BREAK;
            }
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    /** Hand the pending rows to the file (opened first if none is) as one flushed block; on failure they stay pending. */
    private void flushPending() throws IOException
    {
        if (pendingLength == 0)
        {
            return;
        }
        if (file == null)
        {
            openFile();
        }
        file.write(pending, 0, pendingLength);
        file.flush();
        fileBytes += pendingLength;
        fileEvents += pendingEvents;
        pendingLength = 0;
        pendingEvents = 0;
    }

    private void rotateIfDue(final boolean force) throws IOException
    {
        if (file == null && pendingLength == 0)
        {
            return;
        }
        if (file == null)
        {
            openFile(); // rows kept from a failed file start the next one, on its own clock
        }
        if (force || fileBytes + pendingLength >= rotateBytes || clock.time() - fileOpenedAtMs >= rotateMs)
        {
            flushPending();
            final long events = fileEvents;
            finishFile();
            stats.written.addAndGet(events); // written = in a finished file, fsynced, ready to ship
        }
    }

    private void openFile() throws IOException
    {
        fileSequence = nextSequence++;
        writeNextSequence(nextSequence);
        fileTmp = openDir.resolve(ClickFileFormat.fileName(edgeId, fileSequence) + ".tmp");
        fileChannel = FileChannel.open(fileTmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        file = new LZ4FrameOutputStream(new ChannelOutput(fileChannel), LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB,
            LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
        file.write(ClickFileFormat.HEADER.getBytes(StandardCharsets.US_ASCII));
        fileOpenedAtMs = clock.time();
        fileBytes = 0;
        fileEvents = 0;
    }

    private void finishFile() throws IOException
    {
        file.close(); // the LZ4 end mark and content checksum; the channel stays open (ChannelOutput)
        fileChannel.force(true);
        final long size = fileChannel.size();
        fileChannel.close();
        final Path done = outbox.resolve(ClickFileFormat.fileName(edgeId, fileSequence));
        Files.move(fileTmp, done, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.fsyncDirectory(outbox);
        pendingBytes.addAndGet(size);
        stats.files.incrementAndGet();
        LOG.debug("click file {}: {} events, {} bytes", done.getFileName(), fileEvents, size);
        file = null;
        fileChannel = null;
    }

    private long readNextSequence() throws IOException
    {
        long next = 1;
        if (Files.exists(sequenceFile))
        {
            next = Long.parseLong(Files.readString(sequenceFile, StandardCharsets.US_ASCII).trim());
        }
        for (final Path dir : new Path[] {outbox, openDir, quarantine})
        {
            try (Stream<Path> files = Files.list(dir))
            {
                for (final Path f : (Iterable<Path>)files::iterator)
                {
                    final long seq = ClickFileFormat.sequenceOf(f.getFileName().toString().replace(".tmp", ""), edgeId);
                    next = Math.max(next, seq + 1);
                }
            }
        }
        return next;
    }

    private void writeNextSequence(final long next) throws IOException
    {
        final Path tmp = sequenceFile.resolveSibling("next-sequence.tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            channel.write(java.nio.ByteBuffer.wrap((next + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);
        }
        Files.move(tmp, sequenceFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Finish files left in {@code open/}: keep every complete row, under a new sequence.
     *
     * @param inProcess the files are this run's own, abandoned after a failed write: the rows kept count
     *                  as written and those the failure lost as dropped ({@code write_error}); at start
     *                  they are a previous run's, counted apart as salvaged.
     */
    private void salvage(final boolean inProcess) throws IOException
    {
        long kept = 0;
        final List<Path> leftovers;
        try (Stream<Path> files = Files.list(openDir))
        {
            leftovers = files.collect(Collectors.toList()); // listed first: salvaging opens new files in the same directory
        }
        for (final Path tmp : leftovers)
        {
            final ByteArrayOutputStream text = new ByteArrayOutputStream();
            try (InputStream in = new LZ4FrameInputStream(Files.newInputStream(tmp)))
            {
                in.transferTo(text);
            }
            catch (final IOException cutShort)
            {
                // a crash cuts the frame: keep what decoded
            }
            String content = text.toString(StandardCharsets.UTF_8);
            if (content.startsWith(ClickFileFormat.HEADER_V1))
            {
                // left by a build that wrote version 1 files: its rows, with the empty destination version 2 adds
                // (a raw newline only ever ends a row: one inside a field is written as \n)
                content = ClickFileFormat.HEADER + content.substring(ClickFileFormat.HEADER_V1.length()).replace("\n", "\t\n");
            }
            final int lastRow = content.lastIndexOf('\n');
            if (!content.startsWith(ClickFileFormat.HEADER) || lastRow < ClickFileFormat.HEADER.length())
            {
                final boolean empty = content.isEmpty() || content.equals(ClickFileFormat.HEADER);
                if (empty)
                {
                    Files.delete(tmp); // nothing in it ever reached a row
                }
                else
                {
                    Files.move(tmp, quarantine.resolve(tmp.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    stats.quarantined.incrementAndGet();
                }
                continue;
            }
            final byte[] rows = content.substring(ClickFileFormat.HEADER.length(), lastRow + 1).getBytes(StandardCharsets.UTF_8);
            openFile();
            try
            {
                file.write(rows);
                fileBytes += rows.length;
                finishFile();
            }
            catch (final IOException ex)
            {
                // The rows are still in the leftover; a half-made copy of them must not outlive this attempt.
                final Path copy = fileTmp;
                abandonFile();
                Files.deleteIfExists(copy);
                throw ex;
            }
            Files.delete(tmp);
            final long rowCount = content.chars().filter(c -> c == '\n').count() - 1; // less the header row
            kept += rowCount;
            LOG.warn("salvaged {} rows of click file {} left in open/ by {}", rowCount, tmp.getFileName(),
                inProcess ? "a failed write" : "a crash");
        }
        if (inProcess)
        {
            stats.written.addAndGet(kept);
            stats.droppedWriteError.addAndGet(Math.max(0, abandonedEvents - kept));
            abandonedEvents = 0;
        }
        else
        {
            stats.salvaged.addAndGet(kept);
        }
    }

    /** An OutputStream onto a channel that close() leaves open, so the writer can fsync after LZ4's end mark. */
    private static final class ChannelOutput extends OutputStream
    {
        private final FileChannel channel;

        ChannelOutput(final FileChannel channel)
        {
            this.channel = channel;
        }

        @Override
        public void write(final int b) throws IOException
        {
            write(new byte[] {(byte)b}, 0, 1);
        }

        @Override
        public void write(final byte[] bytes, final int offset, final int length) throws IOException
        {
            final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes, offset, length);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
        }

        @Override
        public void close()
        {
            // the writer closes the channel after fsync
        }
    }
}
