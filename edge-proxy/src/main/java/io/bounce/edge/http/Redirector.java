package io.bounce.edge.http;

import java.nio.charset.StandardCharsets;

import io.bounce.edge.EdgeConfig;
import io.bounce.edge.clicks.ClickRecorder;
import io.bounce.edge.clicks.TrustedProxies;
import io.bounce.edge.geo.GeoIp;
import io.bounce.edge.metrics.EdgeMetrics;
import io.bounce.edge.metrics.LoopStats;
import io.bounce.edge.metrics.Rejection;
import io.bounce.edge.metrics.ResponseStatus;
import io.bounce.edge.replica.LinkReplica;
import io.bounce.edge.rules.PasswordChecks;
import io.bounce.edge.rules.PasswordPass;
import io.bounce.edge.rules.RuleEvaluator;
import io.bounce.edge.tls.AcmeChallenges;
import io.bounce.edge.tls.DomainPolicies;
import io.bounce.edge.tls.TlsReplica;
import io.bounce.replication.link.LinkCodec;
import io.bounce.replication.link.LinkRecord;
import io.bounce.replication.link.LinkRules;
import io.bounce.replication.link.LinkView;
import io.bounce.runtime.limits.AddressBudget;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Turns a parsed request into its answer: looks the link up in the replica and writes a pre-shaped
 * response. Shared by every connection; what it needs per thread (key and URL scratch space, the Date
 * cache, the counters) lives in a {@link Loop} owned by one event loop.
 *
 * <p>The lookup copies the record out of the map's memory under Chronicle's per-segment read lock (a
 * shared CAS lock: readers never wait for readers) into the loop's scratch, and reads it there through
 * a {@link LinkView}, the one reader of the record's layout. Nothing on the redirect path allocates once
 * the loop is warm; a 404 spends its address's budget of unknown codes ({@link AddressBudget}: a cache
 * lookup with a boxed key), and an address past it gets 429.
 *
 * <p>A record with rules (version 2) goes through the loop's {@link RuleEvaluator} (a {@link PasswordPage} for a visitor
 * without a pass, target or variant, a crawler's {@link PreviewPage}, an expired link's expiredUrl); a record without
 * rules takes none of those branches. A POST is answered only for a protected link (its password form).
 */
public final class Redirector
{
    /** Longest {@code domain/code} key. */
    static final int MAX_KEY_BYTES = LinkRules.MAX_DOMAIN_LENGTH + 1 + LinkRules.MAX_CODE_LENGTH;

    private final LinkReplica replica;
    private final RequestKeys keys;
    private final EpochClock clock;
    private final EdgeMetrics metrics;
    private final byte[] permanentCache;
    /** The same as an HTTP/2 header value. */
    private final AsciiString permanentCacheValue;
    private final ClickRecorder clicks;
    private final String countryHeader;
    private final boolean proxyProtocol;
    private final AddressBudget notFoundBudget;
    private final TlsReplica tlsRecords;
    /** {@code :PORT} after the host in an upgrade's Location, or nothing for 443. */
    private volatile byte[] httpsPortSuffix = new byte[0];
    private final FastThreadLocal<Loop> loops = new FastThreadLocal<>()
    {
        @Override
        protected Loop initialValue()
        {
            return new Loop(metrics.registerLoop(), replica.claimAccessSlot(), new RuleEvaluator(geoIp, variantKey, proxies),
                new PasswordPass(passKey, MAX_KEY_BYTES));
        }
    };
    private volatile boolean draining;
    private final GeoIp geoIp;
    private final byte[] variantKey;
    private final TrustedProxies proxies;
    private final byte[] passKey;
    private final PasswordChecks passwords;

    /**
     * @param config  the default domain, the permanent redirects' max-age, the country header and PROXY protocol.
     * @param clicks  where every answered lookup is recorded, or null to record nothing.
     * @param tlsRecords the domains' HTTPS policies: plain HTTP on an HTTPS-only domain gets a 308, HTTPS answers its HSTS.
     * @param geoIp   countries for link rules, or null.
     */
    public Redirector(final EdgeConfig config, final LinkReplica replica, final EdgeMetrics metrics, final ClickRecorder clicks,
        final TlsReplica tlsRecords, final GeoIp geoIp, final EpochClock clock)
    {
        this.geoIp = geoIp;
        this.proxies = new TrustedProxies(config.trustedProxies());
        // the same on every edge of a fleet, so a visitor gets the same variant from any of them
        final String fleetSecret = config.clicks().clickToken() != null ? config.clicks().clickToken()
            : config.replicationToken() != null ? config.replicationToken() : "";
        this.variantKey = RuleEvaluator.variantKey(fleetSecret);
        this.passKey = PasswordPass.passKey(fleetSecret);
        this.passwords = new PasswordChecks(config.passwords());
        this.tlsRecords = tlsRecords;
        this.clicks = clicks;
        this.proxyProtocol = config.proxyProtocol();
        this.notFoundBudget = config.notFoundBudget();
        this.countryHeader = config.countryHeader();
        this.replica = replica;
        this.keys = new RequestKeys(replica, config.defaultDomain().getBytes(StandardCharsets.US_ASCII));
        this.clock = clock;
        this.metrics = metrics;
        this.permanentCache = ascii("\r\nCache-Control: public, max-age=" + config.permanentMaxAgeSeconds() + "\r\n");
        this.permanentCacheValue = AsciiString.of("public, max-age=" + config.permanentMaxAgeSeconds());
    }

    /** What one event loop owns: scratch space and counters. Only ever touched by that loop's thread. */
    static final class Loop
    {
        final byte[] key = new byte[MAX_KEY_BYTES];
        final BytesStore<?, byte[]> keyStore = BytesStore.wrap(key);
        /** The record of the last lookup, copied out of the map, and the view that reads it. */
        final byte[] record = new byte[LinkCodec.MAX_ENCODED_LENGTH];
        final UnsafeBuffer recordBuffer = new UnsafeBuffer(record);
        final LinkView link = new LinkView();
        final HttpDateCache date = new HttpDateCache();
        final LoopStats stats;
        final int accessSlot;
        /** The HSTS header of the request being answered (HTTPS on an HTTPS-only domain), else null. */
        byte[] hstsLine;
        AsciiString hstsValue;
        final RuleEvaluator rules;
        final PasswordPass pass;

        Loop(final LoopStats stats, final int accessSlot, final RuleEvaluator rules, final PasswordPass pass)
        {
            this.stats = stats;
            this.accessSlot = accessSlot;
            this.rules = rules;
            this.pass = pass;
        }
    }

    boolean proxyProtocol()
    {
        return proxyProtocol;
    }

    String countryHeader()
    {
        return countryHeader;
    }

    /** @return the calling event loop's {@link Loop}. */
    Loop loop()
    {
        return loops.get();
    }

    EdgeMetrics metrics()
    {
        return metrics;
    }

    /** The edge's password checks and their counters. */
    public PasswordChecks passwords()
    {
        return passwords;
    }

    /** The HTTPS port plain-HTTP requests on HTTPS-only domains are sent to (the bound one; 443 for an edge without). */
    void httpsPort(final int port)
    {
        httpsPortSuffix = port == 443 ? new byte[0] : ascii(":" + port);
    }

    /** From now on every answer closes its connection: used while the edge drains for shutdown. */
    void startDraining()
    {
        draining = true;
    }

    boolean isDraining()
    {
        return draining;
    }

    /**
     * Write the answer to a complete request head (not flushed).
     *
     * @return true if the connection must be closed once the answer is flushed.
     */
    boolean respond(final ChannelHandlerContext ctx, final ByteBuf in, final RequestHeadParser request, final Loop loop)
    {
        return respond(ctx, in, request, loop, null);
    }

    /**
     * Write the answer to a complete request head: as HTTP/1.x bytes, or with {@code stream} set, as that
     * HTTP/2 stream's frames (the head then is the one {@link Http2RedirectHandler} wrote from the stream's headers).
     *
     * @return true if an HTTP/1.x connection must be closed once the answer is flushed.
     */
    boolean respond(final ChannelHandlerContext ctx, final ByteBuf in, final RequestHeadParser request, final Loop loop,
        final Http2FrameStream stream)
    {
        final long startNs = System.nanoTime();
        final long nowMs = clock.time();
        final boolean keepAlive = request.keepAlive && !draining;
        loop.hstsLine = null;
        loop.hstsValue = null;
        if (request.hasBody && request.method != RequestHeadParser.POST)
        {
            metrics.reject(Rejection.BODY);
            writeError(ctx, ErrorPage.BAD_REQUEST, false, false, request.http11, nowMs, loop, stream);
            return true;
        }
        final boolean head = request.method == RequestHeadParser.HEAD;
        if (request.method == RequestHeadParser.OTHER)
        {
            writeError(ctx, ErrorPage.METHOD_NOT_ALLOWED, keepAlive, false, request.http11, nowMs, loop, stream);
            return !keepAlive;
        }

        final int codeStart = request.pathStart + 1;
        final int codeLength = request.pathEnd - codeStart;
        final int domainLength = keys.domain(in, request, loop.key);
        final AcmeChallenges challenges = tlsRecords.challenges();
        if (stream == null && !challenges.isEmpty() && AcmeChallenges.isChallengePath(in, request.pathStart, request.pathEnd))
        {
            answerAcmeChallenge(ctx, in, request, loop, challenges, keepAlive, head, nowMs);
            return !keepAlive; // before the HTTPS upgrade: a domain's first certificate is validated over plain HTTP
        }
        final DomainPolicies policies = tlsRecords.policies();
        if (!policies.isEmpty())
        {
            final int slot = policies.find(loop.key, domainLength);
            if (slot >= 0)
            {
                if (!request.secure)
                {
                    upgradeToHttps(ctx, in, request, loop, domainLength, keepAlive, nowMs);
                    return !keepAlive;
                }
                loop.hstsLine = policies.hstsLine(slot);
                loop.hstsValue = policies.hstsValue(slot);
            }
        }
        final int keyLength = keys.code(in, codeStart, codeLength, loop.key, domainLength);
        if (keyLength < 0)
        {
            writeError(ctx, notFoundOrThrottled(request), keepAlive, head, request.http11, nowMs, loop, stream);
            return !keepAlive;
        }

        final int recordLength = copyRecord(loop, keyLength);
        final LinkView link = loop.link;
        ErrorPage refusal = null;
        int status = 0;
        if (recordLength < 0)
        {
            refusal = ErrorPage.NOT_FOUND;
        }
        else if (!link.wrap(loop.recordBuffer, 0, recordLength).isReadable())
        {
            metrics.reject(Rejection.UNREADABLE_RECORD);
            refusal = ErrorPage.NOT_FOUND;
        }
        else if (link.hasFlag(LinkRecord.FLAG_DELETED))
        {
            refusal = ErrorPage.GONE;
        }
        else if (link.hasFlag(LinkRecord.FLAG_DISABLED))
        {
            refusal = ErrorPage.UNAVAILABLE_FOR_LEGAL_REASONS; // before expiry: a takedown says more than a date does
        }
        else if (isExpired(link.expiresAtMs(), nowMs) || link.hasFlag(LinkRecord.FLAG_LIMITED))
        {
            refusal = ErrorPage.GONE; // expired, or its click limit reached
        }
        else
        {
            status = nowMs < link.editableUntilMs() ? temporaryFor(link.status()) : link.status();
        }
        if (refusal == ErrorPage.NOT_FOUND && notFoundOrThrottled(request) == ErrorPage.TOO_MANY_REQUESTS)
        {
            writeError(ctx, ErrorPage.TOO_MANY_REQUESTS, keepAlive, head, request.http11, nowMs, loop, stream);
            return !keepAlive; // not recorded as a click: an enumeration flood must not flood the click files too
        }
        final RuleEvaluator rules = loop.rules;
        final boolean fallback = refusal == ErrorPage.GONE && rules.expiredUrl(link);
        if (fallback)
        {
            refusal = null; // expired or deleted, with a fallback: a temporary redirect there, nothing forwarded
            status = 302;
        }
        if (refusal != null)
        {
            writeError(ctx, refusal, keepAlive, head, request.http11, nowMs, loop, stream);
            if (request.method != RequestHeadParser.POST)
            {
                recordClick(in, request, loop, refusal.status.code(), keyLength, nowMs, head, RuleEvaluator.CHOICE_URL);
            }
            return !keepAlive;
        }
        int urlAt = fallback ? rules.urlOffset() : link.urlOffset();
        int urlLength = fallback ? rules.urlLength() : link.urlLength();
        final boolean forwardQuery = !fallback && link.hasFlag(LinkRecord.FLAG_FORWARD_QUERY);
        final byte[] date = loop.date.line(nowMs);
        final int password = !fallback && link.hasRules() ? rules.password(link) : -1;
        if (request.method == RequestHeadParser.POST && password < 0)
        {
            writeError(ctx, ErrorPage.METHOD_NOT_ALLOWED, false, false, request.http11, nowMs, loop, stream);
            return true; // only a protected link takes a POST (its password form)
        }
        if (!fallback && link.hasRules())
        {
            rules.visitor(in, request.userAgentStart, request.userAgentEnd, request.acceptLanguageStart, request.acceptLanguageEnd,
                request.queryStart, request.queryEnd, request.countryStart, request.countryEnd, request.forwardedForStart,
                request.forwardedForEnd, request.peerAddress, request.peerAddress.length, nowMs);
            if (password >= 0 && (request.method == RequestHeadParser.POST || !loop.pass.isValid(in, request.cookieStart, request.cookieEnd,
                loop.key, keyLength, loop.record, link.rules().payload(password), link.rules().payloadLength(password), nowMs / 1000,
                passwords.passSeconds())))
            {
                // before the preview: a protected link shows nobody anything of itself without its password
                return PasswordPage.answer(ctx, in, request, loop, passwords, link.rules().payload(password),
                    link.rules().payloadLength(password), keyLength, keepAlive, nowMs, stream);
            }
            final int preview = rules.preview(link);
            if (preview >= 0)
            {
                PreviewPage.answer(ctx, link, preview, loop, date, keepAlive, head, request.http11, stream);
                loop.stats.countResponse(ResponseStatus.OK);
                metrics.preview();
                recordClick(in, request, loop, 200, keyLength, nowMs, head, RuleEvaluator.CHOICE_URL);
                return !keepAlive;
            }
            rules.choose(link, loop.record, loop.key, keyLength);
            urlAt = rules.urlOffset();
            urlLength = rules.urlLength();
        }

        final int queryLength = forwardQuery ? request.queryEnd - request.queryStart : 0;
        final boolean dropUtm = link.hasFlag(LinkRecord.FLAG_UTM);
        if (stream != null)
        {
            final ByteBuf location = ctx.alloc().heapBuffer(urlLength + queryLength + 2);
            Http1Answers.writeLocation(location, loop.record, urlAt, urlLength, in, request.queryStart, queryLength, dropUtm);
            Http2Answers.redirect(ctx, stream, status, location, status == 301 || status == 308 ? permanentCacheValue : null, date,
                loop.hstsValue);
        }
        else
        {
            final ByteBuf out = ctx.alloc().ioBuffer(160 + urlLength + queryLength + (loop.hstsLine == null ? 0 : loop.hstsLine.length));
            Http1Answers.redirect(out, status, loop.record, urlAt, urlLength, in, request.queryStart, queryLength, dropUtm,
                status == 301 || status == 308 ? permanentCache : null, date, loop.hstsLine, keepAlive, request.http11);
            ctx.write(out, ctx.voidPromise());
        }
        loop.stats.countResponse(ResponseStatus.ofRedirect(status));
        loop.stats.recordRedirectLatency(System.nanoTime() - startNs);
        recordClick(in, request, loop, status, keyLength, nowMs, head,
            fallback || link.hasRules() ? rules.choice() : RuleEvaluator.CHOICE_URL);
        return !keepAlive;
    }

    /**
     * ACME HTTP-01: the key authorization of a live challenge for the request's Host (a domain that may have no link
     * yet, so not the domain links are looked up under) and token, or 404. Not a click.
     */
    private void answerAcmeChallenge(final ChannelHandlerContext ctx, final ByteBuf in, final RequestHeadParser request, final Loop loop,
        final AcmeChallenges challenges, final boolean keepAlive, final boolean head, final long nowMs)
    {
        final int hostLength = keys.host(in, request, loop.key);
        final int tokenStart = request.pathStart + AcmeChallenges.PATH_PREFIX.length();
        final byte[] answer = hostLength < 0 ? null : challenges.answer(new String(loop.key, 0, hostLength, StandardCharsets.US_ASCII),
            in.toString(tokenStart, request.pathEnd - tokenStart, StandardCharsets.US_ASCII), nowMs);
        metrics.acmeChallenge(answer != null);
        if (answer == null)
        {
            writeError(ctx, ErrorPage.NOT_FOUND, keepAlive, head, request.http11, nowMs, loop, null);
            return;
        }
        final ByteBuf out = ctx.alloc().ioBuffer(192 + answer.length);
        Http1Answers.acmeChallenge(out, answer, loop.date.line(nowMs), keepAlive, request.http11, head);
        ctx.write(out, ctx.voidPromise());
        loop.stats.countResponse(ResponseStatus.OK);
    }

    /**
     * Plain HTTP on an HTTPS-only domain: a 308 to the same path and query on {@code https://} and the domain
     * the request was answered for (never a Host the edge does not know), cacheable like a permanent redirect.
     * Not a click: the click is the HTTPS request that follows.
     */
    private void upgradeToHttps(final ChannelHandlerContext ctx, final ByteBuf in, final RequestHeadParser request, final Loop loop,
        final int domainLength, final boolean keepAlive, final long nowMs)
    {
        final ByteBuf out = ctx.alloc().ioBuffer(192 + domainLength + request.queryEnd - request.pathStart);
        Http1Answers.httpsUpgrade(out, loop.key, domainLength, httpsPortSuffix, in, request, permanentCache, loop.date.line(nowMs), keepAlive);
        ctx.write(out, ctx.voidPromise());
        loop.stats.countResponse(ResponseStatus.ofRedirect(308));
        metrics.httpsUpgrade();
    }

    /**
     * A 404, or a 429 once the client's address has spent its budget of unknown codes. Only unknown codes
     * spend it: a link that exists redirects whoever asks, flood or no flood.
     */
    private ErrorPage notFoundOrThrottled(final RequestHeadParser request)
    {
        if (notFoundBudget.take(request.peerAddress, System.nanoTime()) > 0)
        {
            metrics.reject(Rejection.NOT_FOUND_BUDGET);
            return ErrorPage.TOO_MANY_REQUESTS;
        }
        return ErrorPage.NOT_FOUND;
    }

    /**
     * Copy the value stored under the loop's key into its record scratch, under Chronicle's per-segment
     * read lock (a shared CAS lock: readers never wait for readers). Only this copy happens under the
     * lock; the record is read through its view after the lock is released.
     *
     * @return the record's length, or -1 when the key has no entry (or one too long to be a record).
     */
    private int copyRecord(final Loop loop, final int keyLength)
    {
        replica.enterMap(loop.accessSlot); // so a restart after SIGKILL knows whether a lock was held
        try (ExternalMapQueryContext<byte[], byte[], ?> context = replica.map().queryContext(loop.keyStore, 0, keyLength))
        {
            context.readLock().lock();
            final MapEntry<byte[], byte[]> entry = context.entry();
            if (entry == null)
            {
                return -1;
            }
            final Data<byte[]> value = entry.value();
            final long size = value.size();
            if (size > loop.record.length)
            {
                metrics.reject(Rejection.UNREADABLE_RECORD);
                return -1;
            }
            value.bytes().read(value.offset(), loop.record, 0, (int)size);
            return (int)size;
        }
        finally
        {
            replica.exitMap(loop.accessSlot);
        }
    }

    /** A lookup was answered: hand it to the click recorder (after the answer is written: off its latency). */
    private void recordClick(final ByteBuf in, final RequestHeadParser request, final Loop loop, final int status,
        final int keyLength, final long nowMs, final boolean head, final int destination)
    {
        if (clicks != null)
        {
            clicks.record(nowMs, status, head, request.peerAddress, loop.key, keyLength, in,
                request.userAgentStart, request.userAgentEnd, request.refererStart, request.refererEnd,
                request.forwardedForStart, request.forwardedForEnd, request.countryStart, request.countryEnd, destination);
        }
    }

    /** Answer a request the parser refused; the connection is always closed after it. */
    void reject(final ChannelHandlerContext ctx, final int parseResult, final Loop loop)
    {
        loop.hstsLine = null;
        final ErrorPage page;
        switch (parseResult)
        {
            case RequestHeadParser.URI_TOO_LONG:
                metrics.reject(Rejection.URI_TOO_LONG);
                page = ErrorPage.URI_TOO_LONG;
                break;
            case RequestHeadParser.HEADERS_TOO_LARGE:
                metrics.reject(Rejection.HEADERS_TOO_LARGE);
                page = ErrorPage.HEADERS_TOO_LARGE;
                break;
            case RequestHeadParser.CONTENT_TOO_LARGE:
                metrics.reject(Rejection.BODY);
                page = ErrorPage.CONTENT_TOO_LARGE;
                break;
            default:
                metrics.reject(Rejection.MALFORMED);
                page = ErrorPage.BAD_REQUEST;
                break;
        }
        writeError(ctx, page, false, false, true, clock.time(), loop, null);
    }

    /** An HTTP/2 stream's request that could not be taken (400, 414, 431): answered on its stream, the connection goes on. */
    void reject(final ChannelHandlerContext ctx, final int parseResult, final Loop loop, final Http2FrameStream stream)
    {
        loop.hstsValue = null;
        final ErrorPage page = parseResult == RequestHeadParser.URI_TOO_LONG ? ErrorPage.URI_TOO_LONG
            : parseResult == RequestHeadParser.HEADERS_TOO_LARGE ? ErrorPage.HEADERS_TOO_LARGE
            : parseResult == RequestHeadParser.CONTENT_TOO_LARGE ? ErrorPage.CONTENT_TOO_LARGE : ErrorPage.BAD_REQUEST;
        metrics.reject(page == ErrorPage.URI_TOO_LONG ? Rejection.URI_TOO_LONG
            : page == ErrorPage.HEADERS_TOO_LARGE ? Rejection.HEADERS_TOO_LARGE
            : page == ErrorPage.CONTENT_TOO_LARGE ? Rejection.BODY : Rejection.MALFORMED);
        writeError(ctx, page, true, false, true, clock.time(), loop, stream);
    }

    private void writeError(
        final ChannelHandlerContext ctx,
        final ErrorPage page,
        final boolean keepAlive,
        final boolean head,
        final boolean http11,
        final long nowMs,
        final Loop loop,
        final Http2FrameStream stream)
    {
        if (stream != null)
        {
            Http2Answers.error(ctx, stream, page, head, loop.date.line(nowMs), loop.hstsValue);
            loop.stats.countResponse(page.status);
            return;
        }
        final ByteBuf out = ctx.alloc().ioBuffer(page.head.length + 64 + page.body.length + (loop.hstsLine == null ? 0 : loop.hstsLine.length));
        Http1Answers.error(out, page, loop.date.line(nowMs), loop.hstsLine, keepAlive, http11, head);
        ctx.write(out, ctx.voidPromise());
        loop.stats.countResponse(page.status);
    }

    private static boolean isExpired(final long expiresAtMs, final long nowMs)
    {
        return expiresAtMs != 0 && nowMs >= expiresAtMs;
    }

    /** Inside the edit window a permanent redirect is served as its temporary twin, so no cache keeps it. */
    private static int temporaryFor(final int status)
    {
        return status == 301 ? 302 : status == 308 ? 307 : status;
    }

    static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
