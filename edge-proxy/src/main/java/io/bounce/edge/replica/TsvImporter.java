package io.bounce.edge.replica;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.LinkRules;
import org.agrona.concurrent.EpochClock;

/**
 * Loads {@code code<TAB>url[<TAB>status[<TAB>domain[<TAB>forwardQuery[<TAB>expiresAt[<TAB>disabledReason]]]]]}
 * lines (the file {@code bouncectl links export} writes) into a replica: for benchmarks, static deployments
 * and disaster recovery. Status defaults to 302 and domain to the edge's default domain; forwardQuery
 * {@code true} forwards the query, an RFC 3339 expiresAt is kept (an expired link answers 410), and any
 * disabledReason makes the link answer 451. A header line (first field {@code code}), blank lines and
 * lines starting with {@code #} are skipped. Each bad line is rejected with its number
 * and the rule it broke; the good ones are loaded. Imported links carry sequence 0 (they did not come
 * from the change log) and no edit window, so a 301 is served as a 301 straight away.
 *
 * <p>Progress: a line every {@value #PROGRESS_EVERY} links loaded, so an operator loading millions sees it move.
 *
 * <p>Bound: a line longer than {@value #MAX_LINE_BYTES} bytes is rejected without being buffered whole,
 * so no input file can exhaust memory.
 */
public final class TsvImporter
{
    /** Longest line accepted: the longest URL plus room for code, status and domain. */
    public static final int MAX_LINE_BYTES = LinkRules.MAX_URL_LENGTH + 1024;
    /** Rejected lines printed one by one before the importer only counts them. */
    public static final int MAX_REPORTED_REJECTIONS = 100;
    /** What {@link #importLine} answers for a header line: neither loaded nor rejected. */
    private static final String HEADER = "header";
    /** Links loaded between two progress lines. */
    public static final int PROGRESS_EVERY = 100_000;

    private final LinkReplica replica;
    private final String defaultDomain;
    private final EpochClock clock;
    private final PrintStream report;

    public TsvImporter(final LinkReplica replica, final String defaultDomain, final EpochClock clock, final PrintStream report)
    {
        this.replica = replica;
        this.defaultDomain = defaultDomain;
        this.clock = clock;
        this.report = report;
    }

    /** What an import did. */
    public static final class Result
    {
        public final long loaded;
        public final long rejected;
        public final long elapsedNs;

        Result(final long loaded, final long rejected, final long elapsedNs)
        {
            this.loaded = loaded;
            this.rejected = rejected;
            this.elapsedNs = elapsedNs;
        }

        public String summary(final Path file)
        {
            final double seconds = elapsedNs / 1e9;
            return String.format("imported %,d links from %s in %.2f s (%,.0f links/s); rejected %,d lines",
                loaded, file, seconds, seconds > 0 ? loaded / seconds : 0.0, rejected);
        }
    }

    public Result importFile(final Path file) throws IOException
    {
        final long start = System.nanoTime();
        final Counts counts = new Counts();
        try (InputStream in = Files.newInputStream(file))
        {
            final byte[] chunk = new byte[1 << 16];
            final byte[] line = new byte[MAX_LINE_BYTES];
            int lineLength = 0;
            boolean overlong = false;
            boolean pending = false;
            int n;
            while ((n = in.read(chunk)) >= 0)
            {
                for (int i = 0; i < n; i++)
                {
                    final byte b = chunk[i];
                    if (b == '\n')
                    {
                        endLine(line, lineLength, overlong, counts);
                        lineLength = 0;
                        overlong = false;
                        pending = false;
                        continue;
                    }
                    pending = true;
                    if (lineLength < MAX_LINE_BYTES)
                    {
                        line[lineLength++] = b;
                    }
                    else
                    {
                        overlong = true;
                    }
                }
            }
            if (pending)
            {
                endLine(line, lineLength, overlong, counts);
            }
        }
        if (counts.rejected > MAX_REPORTED_REJECTIONS)
        {
            report.printf("... %,d more rejected lines not shown%n", counts.rejected - MAX_REPORTED_REJECTIONS);
        }
        return new Result(counts.loaded, counts.rejected, System.nanoTime() - start);
    }

    private static final class Counts
    {
        long lines;
        long loaded;
        long rejected;
    }

    private void endLine(final byte[] line, final int rawLength, final boolean overlong, final Counts counts)
    {
        counts.lines++;
        final int length = rawLength > 0 && line[rawLength - 1] == '\r' ? rawLength - 1 : rawLength;
        if (!overlong && (length == 0 || line[0] == '#'))
        {
            return;
        }
        final String problem = overlong ? "line is longer than " + MAX_LINE_BYTES + " bytes" :
            importLine(new String(line, 0, length, StandardCharsets.UTF_8));
        if (problem == HEADER)
        {
            return;
        }
        if (problem == null)
        {
            counts.loaded++;
            if (counts.loaded % PROGRESS_EVERY == 0)
            {
                report.printf("import: %,d links loaded so far%n", counts.loaded);
            }
            return;
        }
        counts.rejected++;
        if (counts.rejected <= MAX_REPORTED_REJECTIONS)
        {
            report.printf("line %d rejected: %s%n", counts.lines, problem);
        }
    }

    /** @return null if the line was loaded, else why it was rejected. */
    private String importLine(final String line)
    {
        final String[] fields = line.split("\t", -1);
        if (fields.length < 2 || fields.length > 7)
        {
            return "expected code<TAB>url and up to redirect, domain, forwardQuery, expiresAt, disabledReason; found " +
                fields.length + " field(s)";
        }
        if (fields[0].equalsIgnoreCase("code") && fields[1].equalsIgnoreCase("url"))
        {
            return HEADER; // the header line an export starts with
        }
        final String code = fields[0];
        final String codeProblem = LinkRules.checkCode(code);
        if (codeProblem != null)
        {
            return "bad code: " + codeProblem;
        }
        final String url = fields[1];
        final String urlProblem = LinkRules.checkUrl(url, LinkRules.MAX_URL_LENGTH);
        if (urlProblem != null)
        {
            return "bad url: " + urlProblem;
        }
        int status = 302;
        if (fields.length >= 3 && !fields[2].isEmpty())
        {
            try
            {
                status = Integer.parseInt(fields[2]);
            }
            catch (final NumberFormatException ex)
            {
                status = -1;
            }
            if (!LinkRules.isRedirectStatus(status))
            {
                return "bad status: '" + fields[2] + "' is not 301, 302, 307 or 308";
            }
        }
        String domain = defaultDomain;
        if (fields.length >= 4 && !fields[3].isEmpty())
        {
            domain = fields[3];
            final String domainProblem = LinkRules.checkDomain(domain);
            if (domainProblem != null)
            {
                return "bad domain: " + domainProblem;
            }
        }
        int flags = 0;
        if (fields.length >= 5 && !fields[4].isEmpty())
        {
            if (!fields[4].equals("true") && !fields[4].equals("false"))
            {
                return "bad forwardQuery: '" + fields[4] + "' is not true or false";
            }
            flags |= fields[4].equals("true") ? LinkRecord.FLAG_FORWARD_QUERY : 0;
        }
        long expiresAt = 0;
        if (fields.length >= 6 && !fields[5].isEmpty())
        {
            try
            {
                expiresAt = java.time.OffsetDateTime.parse(fields[5]).toInstant().toEpochMilli();
            }
            catch (final java.time.format.DateTimeParseException | ArithmeticException ex)
            {
                return "bad expiresAt: '" + fields[5] + "' is not an RFC 3339 timestamp";
            }
        }
        if (fields.length == 7 && !fields[6].isEmpty())
        {
            flags |= LinkRecord.FLAG_DISABLED;
        }
        final long now = clock.time();
        replica.put(new LinkRecord(domain, code, url, status, now, now, expiresAt, flags, 0));
        return null;
    }
}
