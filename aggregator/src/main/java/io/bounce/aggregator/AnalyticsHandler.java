package io.bounce.aggregator;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bounce.runtime.http.BearerToken;
import io.bounce.runtime.http.HtmlSafeEscapes;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.http.Responses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's view of a stand-alone aggregator's report endpoint, {@value #PATH}, the way a
 * control plane started with {@code --aggregator} answers its analytics API:
 * {@code GET /analytics/v1/report?domain=D&code=C&from=MS&to=MS&granularity=hour|day|week} with
 * {@code Authorization: Bearer <analytics token>} answers the {@link ClickAnalytics.Report} as JSON.
 * The query runs on a worker thread (DuckDB blocks); the answer goes back on the event loop. Every
 * other path is passed on.
 */
final class AnalyticsHandler extends ChannelInboundHandlerAdapter
{
    static final String PATH = "/analytics/v1/report";
    /** {@code GET ?link=domain/code&link=...}: all-time human clicks of each link named, as {@code {"domain/code": n}}. */
    static final String CLICKS_PATH = "/analytics/v1/clicks";
    static final ObjectMapper JSON = HtmlSafeEscapes.apply(new ObjectMapper());

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsHandler.class);

    private final ClickAnalytics analytics;
    private final ExecutorService queries;
    private final BearerToken token;
    /** The request being answered swallows its (empty) body until its last content. */
    private boolean swallowing;

    AnalyticsHandler(final ClickAnalytics analytics, final ExecutorService queries, final BearerToken token)
    {
        this.analytics = analytics;
        this.queries = queries;
        this.token = token;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof HttpRequest && !((HttpRequest)msg).decoderResult().isFailure() &&
            isOurs(new QueryStringDecoder(((HttpRequest)msg).uri()).path()))
        {
            final HttpRequest request = (HttpRequest)msg;
            swallowing = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            handle(ctx, request);
            return;
        }
        if (swallowing && msg instanceof HttpContent)
        {
            swallowing = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean isOurs(final String path)
    {
        return path.equals(PATH) || path.equals(CLICKS_PATH);
    }

    private void handle(final ChannelHandlerContext ctx, final HttpRequest request)
    {
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!HttpMethod.GET.equals(request.method()))
        {
            Responses.send(ctx, Problem.methodNotAllowed(request.method().name(), "GET").toHttpResponse(false));
            return;
        }
        if (!token.matches(request.headers().get(HttpHeaderNames.AUTHORIZATION)))
        {
            Responses.send(ctx, new Problem(401, "unauthenticated", "reports need Authorization: Bearer <analytics token>").toHttpResponse(false));
            return;
        }
        final QueryStringDecoder decoded = new QueryStringDecoder(request.uri());
        final Map<String, List<String>> query = decoded.parameters();
        if (decoded.path().equals(CLICKS_PATH))
        {
            final List<String> links = query.getOrDefault("link", List.of());
            if (links.size() > ClickAnalytics.MAX_LINKS_PER_CALL)
            {
                Responses.send(ctx, Problem.badRequest("query-link", "at most " + ClickAnalytics.MAX_LINKS_PER_CALL + " links a call")
                    .toHttpResponse(false));
                return;
            }
            answer(ctx, keepAlive, "clicks of " + links.size() + " links", () -> analytics.clicks(links));
            return;
        }
        final String domain;
        final String code;
        final long from;
        final long to;
        final Granularity granularity;
        try
        {
            domain = required(query, "domain");
            code = required(query, "code");
            from = epochMs(query, "from");
            to = epochMs(query, "to");
            granularity = Granularity.parse(one(query, "granularity"));
            if (from >= to)
            {
                throw Problem.badRequest("range", "from must be before to");
            }
        }
        catch (final Problem problem)
        {
            Responses.send(ctx, problem.toHttpResponse(keepAlive));
            return;
        }
        answer(ctx, keepAlive, "report for " + domain + "/" + code, () -> analytics.report(domain, code, from, to, granularity));
    }

    /** What a query answers, as JSON. */
    private interface Query
    {
        Object run() throws Exception;
    }

    /** Run {@code query} on the query pool and send its answer (503 when it fails), reading nothing more meanwhile. */
    private void answer(final ChannelHandlerContext ctx, final boolean keepAlive, final String what, final Query query)
    {
        ctx.channel().config().setAutoRead(false); // one query at a time per connection
        try
        {
            queries.execute(() ->
            {
                FullHttpResponse response;
                try
                {
                    response = Responses.json(JSON.writeValueAsBytes(query.run()), keepAlive);
                }
                catch (final Exception ex)
                {
                    LOG.error("{} failed", what, ex);
                    response = Problem.unavailable("store", "the query failed: " + ex, 1).toHttpResponse(false);
                }
                final FullHttpResponse answer = response;
                ctx.executor().execute(() ->
                {
                    ctx.channel().config().setAutoRead(true);
                    Responses.send(ctx, answer);
                });
            });
        }
        catch (final RejectedExecutionException ex)
        {
            ctx.channel().config().setAutoRead(true);
            Responses.send(ctx, Problem.unavailable("stopping", "the aggregator is stopping", 1).toHttpResponse(false));
        }
    }

    private static String one(final Map<String, List<String>> query, final String name)
    {
        final List<String> values = query.get(name);
        if (values == null)
        {
            return null;
        }
        if (values.size() != 1)
        {
            throw Problem.badRequest("query-" + name, name + " must be given once");
        }
        return values.get(0);
    }

    private static String required(final Map<String, List<String>> query, final String name)
    {
        final String value = one(query, name);
        if (value == null || value.isEmpty())
        {
            throw Problem.badRequest("query-" + name, name + " is required");
        }
        return value;
    }

    private static long epochMs(final Map<String, List<String>> query, final String name)
    {
        try
        {
            return Long.parseLong(required(query, name));
        }
        catch (final NumberFormatException ex)
        {
            throw Problem.badRequest("query-" + name, name + " must be epoch milliseconds");
        }
    }
}
