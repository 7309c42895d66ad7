package io.bounce.runtime.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refusal with everything an {@code application/problem+json} answer (RFC 9457) needs: the HTTP
 * status, the rule that was broken (also the last segment of the problem type), a title and a detail
 * for people, and extra members (e.g. {@code editableUntil}). Thrown by the service, rendered by the API.
 * Inside a write operation a Problem is only ever thrown before the operation's first write.
 */
public final class Problem extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String rule;
    private final String title;
    private final Map<String, Object> extra = new LinkedHashMap<>();

    public Problem(final int status, final String rule, final String title, final String detail)
    {
        super(detail, null, false, false);
        this.status = status;
        this.rule = rule;
        this.title = title;
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

    public Problem with(final String name, final Object value)
    {
        extra.put(name, value);
        return this;
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
}
