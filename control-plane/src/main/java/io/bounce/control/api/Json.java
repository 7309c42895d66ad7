package io.bounce.control.api;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.runtime.http.HtmlSafeEscapes;
import io.bounce.runtime.http.Problem;

/**
 * JSON in and out. Input is read as a tree and every field is checked by name and type here, so a
 * wrong type or an unknown field is a 400 that names the field rather than a silent coercion.
 * Duplicate keys are refused.
 */
final class Json
{
    static final ObjectMapper MAPPER = HtmlSafeEscapes.apply(new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private Json()
    {
    }

    static ObjectNode object(final byte[] body, final Set<String> allowed)
    {
        final JsonNode node;
        try
        {
            node = MAPPER.readTree(body);
        }
        catch (final IOException ex)
        {
            throw Problem.badRequest("json-malformed", "request body is not valid JSON: " + firstLine(ex.getMessage()));
        }
        if (node == null || !node.isObject())
        {
            throw Problem.badRequest("json-type", "request body must be a JSON object");
        }
        return checkFields((ObjectNode)node, allowed, "");
    }

    static ObjectNode checkFields(final ObjectNode node, final Set<String> allowed, final String where)
    {
        for (final Iterator<String> names = node.fieldNames(); names.hasNext(); )
        {
            final String name = names.next();
            if (!allowed.contains(name))
            {
                throw Problem.badRequest("json-unknown-field", "unknown field '" + Problem.echo(where + name) + "' (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
        return node;
    }

    static String string(final ObjectNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isTextual())
        {
            throw Problem.badRequest("json-type", "field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    static Integer integer(final ObjectNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt())
        {
            throw Problem.badRequest("json-type", "field '" + field + "' must be an integer");
        }
        return value.intValue();
    }

    static Double number(final ObjectNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isNumber())
        {
            throw Problem.badRequest("json-type", "field '" + field + "' must be a number");
        }
        return value.doubleValue();
    }

    static Boolean bool(final ObjectNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isBoolean())
        {
            throw Problem.badRequest("json-type", "field '" + field + "' must be true or false");
        }
        return value.booleanValue();
    }

    /** An array of strings, or null when the field is absent or null. */
    static List<String> strings(final ObjectNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isArray())
        {
            throw Problem.badRequest("json-type", "field '" + field + "' must be an array of strings");
        }
        final List<String> out = new ArrayList<>(value.size());
        for (final JsonNode item : value)
        {
            if (!item.isTextual())
            {
                throw Problem.badRequest("json-type", "field '" + field + "' must be an array of strings");
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** An RFC 3339 timestamp ({@code 2026-12-01T00:00:00Z}) as epoch ms, or null. */
    static Long timestamp(final ObjectNode node, final String field)
    {
        final String text = string(node, field);
        if (text == null)
        {
            return null;
        }
        return epochMs(text, "field '" + field + "'", "json-type");
    }

    /** The earliest and latest instants the API takes: 1970-01-01 and the end of 9999 (what every store and edge can hold). */
    private static final long MIN_MS = 0;
    private static final long MAX_MS = OffsetDateTime.parse("9999-12-31T23:59:59.999Z").toInstant().toEpochMilli();

    /**
     * An RFC 3339 timestamp in epoch milliseconds, between 1970 and the end of 9999.
     *
     * @param what names the input in the problem ("field 'expiresAt'", "from").
     * @throws Problem 400 with {@code rule} for text that is not a timestamp, {@code timestamp-range} for one out of range.
     */
    static long epochMs(final String text, final String what, final String rule)
    {
        final OffsetDateTime time;
        try
        {
            time = OffsetDateTime.parse(text);
        }
        catch (final DateTimeParseException ex)
        {
            throw Problem.badRequest(rule, what + " must be an RFC 3339 timestamp such as 2026-12-01T00:00:00Z");
        }
        final int year = time.getYear();
        if (year < 1970 || year > 9999)
        {
            throw Problem.badRequest("timestamp-range", what + " must be between 1970 and 9999");
        }
        final long ms = time.toInstant().toEpochMilli(); // no overflow: the year is in range
        if (ms < MIN_MS || ms > MAX_MS)
        {
            throw Problem.badRequest("timestamp-range", what + " must be between 1970 and 9999");
        }
        return ms;
    }

    static byte[] write(final Object value)
    {
        try
        {
            return MAPPER.writeValueAsBytes(value);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static String firstLine(final String message)
    {
        if (message == null)
        {
            return "";
        }
        final int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
