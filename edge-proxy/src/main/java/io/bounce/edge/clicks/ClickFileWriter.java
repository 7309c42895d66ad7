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
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.bounce.replication.clicks.ClickFileFormat;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that drains the {@link ClickRecorder}'s ring into click files
 * ({@link ClickFileFormat}): each event becomes a row (the client address becomes a visitor hash
 * here, so it never reaches a file); a file is written under {@code open/}, and after
 * {@code rotateMs} or {@code rotateBytes} (uncompressed) it is finished (LZ4 end mark and checksum),
 * fsynced and renamed into {@code outbox/}, where the {@link ClickShipper} finds it. File sequences
 * come from {@code next-sequence}, written and fsynced before a file is opened, so they survive
 * restarts. While the unshipped files reach {@code diskBudgetBytes}, events are dropped and counted:
 * files are never deleted to make room.
 *
 * <p>A file left in {@code open/} by a crash is salvaged at the next start: its complete rows are
 * written to a new file; if nothing can be read it is moved to {@code quarantine/}.
 */
final class ClickFileWriter implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(ClickFileWriter.class);

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
    private final VisitorHasher visitors;
    private final TrustedProxies proxies;
    private final AtomicLong pendingBytes;
    private final ClickStats stats;
    private final StringBuilder row = new StringBuilder(2048);
    private final byte[] peer = new byte[16];
    private volatile boolean running = true;
    private volatile boolean stopped;

    private long nextSequence;
    private long fileSequence;
    private Path fileTmp;
    private FileChannel fileChannel;
    private LZ4FrameOutputStream file;
    private long fileOpenedAtMs;
    private long fileBytes;
    private long fileEvents;

    ClickFileWriter(final ClickRecorder recorder, final String edgeId, final Path clicksDir, final EpochClock clock,
        final long rotateMs, final long rotateBytes, final long diskBudgetBytes, final VisitorHasher visitors,
        final TrustedProxies proxies, final AtomicLong pendingBytes, final ClickStats stats) throws IOException
    {
        this.recorder = recorder;
        this.edgeId = edgeId;
        this.openDir = Files.createDirectories(clicksDir.resolve("open"));
        this.outbox = Files.createDirectories(clicksDir.resolve("outbox"));
        this.quarantine = Files.createDirectories(clicksDir.resolve("quarantine"));
        this.sequenceFile = clicksDir.resolve("next-sequence");
        this.clock = clock;
        this.rotateMs = rotateMs;
        this.rotateBytes = rotateBytes;
        this.diskBudgetBytes = diskBudgetBytes;
        this.visitors = visitors;
        this.proxies = proxies;
        this.pendingBytes = pendingBytes;
        this.stats = stats;
        this.nextSequence = readNextSequence();
        salvage();
    }

    @Override
    public void run()
    {
        final RingBuffer ring = recorder.ring();
        try
        {
            while (running)
            {
                final int read = ring.read(this::onEvent, 4096);
                rotateIfDue(false);
                if (read == 0)
                {
                    Thread.sleep(1);
                }
            }
            // Shutdown: the recorder takes no more; write out what the ring still holds, then finish the file.
            while (ring.read(this::onEvent, 4096) > 0)
            {
                // drain
            }
            rotateIfDue(true);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.error("click writer failed; clicks are no longer recorded", ex);
            stats.writerFailed = true;
        }
        finally
        {
            stopped = true;
        }
    }

    /** Stop after draining the ring and finishing the open file; returns once done (or after timeoutMs). */
    void stop(final Thread thread, final long timeoutMs) throws InterruptedException
    {
        recorder.stopAccepting();
        running = false;
        thread.join(timeoutMs);
    }

    boolean isStopped()
    {
        return stopped;
    }

    private void onEvent(final int msgType, final DirectBuffer buffer, final int index, final int length)
    {
        try
        {
            if (pendingBytes.get() + fileBytes / 4 >= diskBudgetBytes)
            {
                stats.droppedDiskBudget.incrementAndGet();
                return;
            }
            writeRow(buffer, index);
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private void writeRow(final DirectBuffer buffer, final int index) throws IOException
    {
        final long timeMs = buffer.getLong(index + ClickRecorder.TIME_OFFSET);
        final int status = buffer.getShort(index + ClickRecorder.STATUS_OFFSET) & 0xFFFF;
        final boolean head = buffer.getByte(index + ClickRecorder.HEAD_OFFSET) != 0;
        final int peerLength = buffer.getByte(index + ClickRecorder.PEER_LENGTH_OFFSET);
        final int keyLength = buffer.getShort(index + ClickRecorder.KEY_LENGTH_OFFSET) & 0xFFFF;
        final int uaLength = buffer.getShort(index + ClickRecorder.UA_LENGTH_OFFSET) & 0xFFFF;
        final int refLength = buffer.getShort(index + ClickRecorder.REFERRER_LENGTH_OFFSET) & 0xFFFF;
        final int xffLength = buffer.getShort(index + ClickRecorder.XFF_LENGTH_OFFSET) & 0xFFFF;
        final int countryLength = buffer.getByte(index + ClickRecorder.COUNTRY_LENGTH_OFFSET);
        buffer.getBytes(index + ClickRecorder.PEER_OFFSET, peer, 0, peerLength);
        int at = index + ClickRecorder.VARIABLE_OFFSET;
        final String key = buffer.getStringWithoutLengthAscii(at, keyLength);
        at += keyLength;
        final String userAgent = text(buffer, at, uaLength);
        at += uaLength;
        final String referrer = text(buffer, at, refLength);
        at += refLength;
        final String forwardedFor = proxies.isEmpty() ? "" : buffer.getStringWithoutLengthAscii(at, xffLength);
        at += xffLength;
        final String country = country(buffer.getStringWithoutLengthAscii(at, countryLength));

        final byte[] client = proxies.isEmpty() ? peer : proxies.client(peer, peerLength, forwardedFor);
        final String visitor = visitors.visitor(client, proxies.isEmpty() ? peerLength : client.length, timeMs);
        final int slash = key.indexOf('/');

        row.setLength(0);
        row.append(timeMs).append('\t');
        ClickFileFormat.escape(edgeId, row);
        row.append('\t');
        ClickFileFormat.escape(key.substring(0, slash), row);
        row.append('\t');
        ClickFileFormat.escape(key.substring(slash + 1), row);
        row.append('\t').append(status).append('\t').append(head ? "HEAD" : "GET").append('\t').append(visitor).append('\t')
            .append(country).append('\t');
        ClickFileFormat.escape(userAgent, row);
        row.append('\t');
        ClickFileFormat.escape(referrer, row);
        row.append('\n');

        if (file == null)
        {
            openFile();
        }
        final byte[] bytes = row.toString().getBytes(StandardCharsets.UTF_8);
        file.write(bytes);
        fileBytes += bytes.length;
        fileEvents++;
        stats.written.incrementAndGet();
    }

    /** Header bytes as text: UTF-8 where valid, control characters dropped. */
    private static String text(final DirectBuffer buffer, final int at, final int length)
    {
        if (length == 0)
        {
            return "";
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        final String decoded = new String(bytes, StandardCharsets.UTF_8);
        final StringBuilder clean = new StringBuilder(decoded.length());
        for (int i = 0; i < decoded.length(); i++)
        {
            final char c = decoded.charAt(i);
            if (c >= 0x20 && c != 0x7F)
            {
                clean.append(c);
            }
        }
        return clean.toString();
    }

    private static String country(final String value)
    {
        if (value.length() == 2 && Character.isLetter(value.charAt(0)) && Character.isLetter(value.charAt(1)) &&
            value.charAt(0) < 128 && value.charAt(1) < 128)
        {
            return value.toUpperCase(java.util.Locale.ROOT);
        }
        return "";
    }

    private void rotateIfDue(final boolean force) throws IOException
    {
        if (file == null)
        {
            return;
        }
        if (force || fileBytes >= rotateBytes || clock.time() - fileOpenedAtMs >= rotateMs)
        {
            finishFile();
        }
    }

    private void openFile() throws IOException
    {
        fileSequence = nextSequence++;
        writeNextSequence(nextSequence);
        fileTmp = openDir.resolve(ClickFileFormat.fileName(edgeId, fileSequence) + ".tmp");
        fileChannel = FileChannel.open(fileTmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        file = new LZ4FrameOutputStream(new ChannelOutput(fileChannel), LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
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
        fsyncDirectory(outbox);
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

    /** Finish files a crash left open: keep every complete row, under a new sequence. */
    private void salvage() throws IOException
    {
        try (Stream<Path> files = Files.list(openDir))
        {
            for (final Path tmp : (Iterable<Path>)files::iterator)
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
                final String content = text.toString(StandardCharsets.UTF_8);
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
                openFile();
                final byte[] rows = content.substring(ClickFileFormat.HEADER.length(), lastRow + 1).getBytes(StandardCharsets.UTF_8);
                file.write(rows);
                fileBytes += rows.length;
                finishFile();
                Files.delete(tmp);
                LOG.warn("salvaged click file {} left open by a crash", tmp.getFileName());
            }
        }
    }

    private static void fsyncDirectory(final Path dir)
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            // some file systems cannot sync a directory; the rename is still atomic
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
