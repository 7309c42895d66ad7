package io.bounce.runtime.http;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A refusal with everything an {@code application/problem+json} answer (RFC 9457) needs, and the one
 * place such an answer is written, for every Bounce port that speaks HTTP: the API, the change log's
 * server, the aggregator's ingest. Members: {@code type} ({@value #TYPE_PREFIX} and the rule),
 * {@code title}, {@code status}, {@code detail}, {@code rule} (the rule that was broken, for scripts
 * and metrics) and any extras ({@code editableUntil}, {@code retryAfterSeconds}, …).
 *
 * <p>What a client sent comes back short: a detail quotes input only through {@link #echo}, and no detail
 * is longer than {@value #MAX_DETAIL} characters; the JSON is {@linkplain HtmlSafeEscapes HTML-safe}.
 *
 * <p>Thrown by the code that refuses, rendered by the server that answers. In a store write a Problem
 * is only ever thrown before the operation's first write, so a refusal never needs undoing.
 */
public final class Problem extends RuntimeException
{
    public static final String CONTENT_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:bounce:problem:";

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = HtmlSafeEscapes.apply(new ObjectMapper());
    private static final String RETRY_AFTER = "retryAfterSeconds";
    /** The member naming the leader's API URL in a 503 from a control plane that does not write; also the {@value #LEADER_HEADER} header. */
    public static final String LEADER = "leader";
    public static final String LEADER_HEADER = "Bounce-Leader";
    private static final String ALLOW = "allow";
    private static final int MAX_DETAIL = 400;
    private static final int MAX_ECHO = 64;

    private final int status;
    private final String rule;
    private final String title;
    private final Map<String, Object> extra = new LinkedHashMap<>();

    public Problem(final int status, final String rule, final String title, final String detail)
    {
        super(detail == null ? null : clean(detail, MAX_DETAIL), null, false, false);
        this.status = status;
        this.rule = rule;
        this.title = title;
    }

    /** A problem titled with the status's reason phrase. */
    public Problem(final int status, final String rule, final String detail)
    {
        this(status, rule, HttpResponseStatus.valueOf(status).reasonPhrase(), detail);
    }

    /**
     * A piece of the client's input as a detail may quote it: at most {@value #MAX_ECHO} characters (then
     * "…"), control characters and unpaired surrogates (which no JSON writer takes) as {@code ?}. Escaping
     * for JSON and HTML happens when the answer is written.
     */
    public static String echo(final Object input)
    {
        return clean(String.valueOf(input), MAX_ECHO);
    }

    private static String clean(final String text, final int max)
    {
        final int length = text.length() > max ? cut(text, max) : text.length();
        final StringBuilder out = new StringBuilder(length + 1);
        for (int i = 0; i < length; i++)
        {
            final char c = text.charAt(i);
            final boolean paired = Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired)
            {
                out.append(c).append(text.charAt(++i));
            }
            else
            {
                out.append(c < 0x20 || c == 0x7F || Character.isSurrogate(c) ? '?' : c);
            }
        }
        return length < text.length() ? out.append('…').toString() : out.toString();
    }

    /** Where to cut {@code text} near {@code max} without splitting a surrogate pair. */
    private static int cut(final String text, final int max)
    {
        return Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    }

    public static Problem badRequest(final String rule, final String detail)
    {
        return new Problem(400, rule, "Bad request", detail);
    }

    public static Problem notFound(final String detail)
    {
        return new Problem(404, "not-found", "Not found", detail);
    }

    public static Problem conflict(final String rule, final String detail)
    {
        return new Problem(409, rule, "Conflict", detail);
    }

    /** 422: well-formed, but breaks a rule of what it describes. */
    public static Problem unprocessable(final String rule, final String detail)
    {
        return new Problem(422, rule, "Unprocessable content", detail);
    }

    /** 405 naming the methods the resource takes (the {@code Allow} header). */
    public static Problem methodNotAllowed(final String method, final String allowed)
    {
        return new Problem(405, "method-not-allowed", "Method not allowed", echo(method) + " is not allowed here").with(ALLOW, allowed);
    }

    /** 503 that asks the client to try again after {@code seconds} (the {@code Retry-After} header). */
    public static Problem unavailable(final String rule, final String detail, final long seconds)
    {
        return new Problem(503, rule, "Service unavailable", detail).retryAfter(seconds);
    }

    public Problem with(final String name, final Object value)
    {
        extra.put(name, value);
        return this;
    }

    /** Ask the client to wait: a {@value #RETRY_AFTER} member and the {@code Retry-After} header. */
    public Problem retryAfter(final long seconds)
    {
        return with(RETRY_AFTER, seconds);
    }

    public int status()
    {
        return status;
    }

    public String rule()
    {
        return rule;
    }

    public String title()
    {
        return title;
    }

    public String detail()
    {
        return getMessage();
    }

    public Map<String, Object> extra()
    {
        return extra;
    }

    /** The problem document as a JSON tree, to embed in a larger answer (a bulk result, say). */
    public ObjectNode toJsonTree()
    {
        final ObjectNode out = JSON.createObjectNode();
        out.put("type", TYPE_PREFIX + rule);
        out.put("title", title);
        out.put("status", status);
        out.put("detail", detail());
        out.put("rule", rule);
        extra.forEach((name, value) -> out.set(name, JSON.valueToTree(value)));
        return out;
    }

    /** The problem document's bytes (UTF-8 JSON; Jackson escapes whatever the detail holds). */
    public byte[] toJson()
    {
        try
        {
            return JSON.writeValueAsBytes(toJsonTree());
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Put the headers this status calls for: {@code Retry-After} (429, 503), {@code Allow} (405),
     * {@code WWW-Authenticate: Bearer} (401), {@value #LEADER_HEADER} (503 from a control plane that does not write).
     */
    public void addHeaders(final HttpHeaders headers)
    {
        if (extra.containsKey(RETRY_AFTER))
        {
            headers.set(HttpHeaderNames.RETRY_AFTER, String.valueOf(extra.get(RETRY_AFTER)));
        }
        if (extra.containsKey(ALLOW))
        {
            headers.set(HttpHeaderNames.ALLOW, String.valueOf(extra.get(ALLOW)));
        }
        if (extra.containsKey(LEADER))
        {
            headers.set(LEADER_HEADER, String.valueOf(extra.get(LEADER)));
        }
        if (status == 401)
        {
            headers.set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
    }

    /** The whole HTTP/1.1 answer: status, problem+json body, its headers, and {@code Connection: close} unless kept alive. */
    public FullHttpResponse toHttpResponse(final boolean keepAlive)
    {
        final FullHttpResponse response = Responses.full(status, CONTENT_TYPE, toJson(), keepAlive);
        addHeaders(response.headers());
        return response;
    }
}
