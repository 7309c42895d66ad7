package io.bounce.runtime.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * One named logger: a line per event on standard error, as text ({@code time LEVEL logger - message k=v})
 * or as one JSON object ({@code time}, {@code level}, {@code logger}, {@code message}, each key-value pair
 * as a member, {@code error} with the stack trace). Lines go whole to {@link LogOutput}, so events from
 * many threads never interleave within a line.
 */
final class BounceLogger extends LegacyAbstractLogger implements LoggingEventAware
{
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient LogSettings settings;
    private final transient PrintStream out;
    private final int level;

    /** @param out where lines go, written at once; null for standard error through {@link LogOutput}. */
    BounceLogger(final String name, final LogSettings settings, final PrintStream out)
    {
        this.name = name;
        this.settings = settings;
        this.out = out;
        this.level = settings.levelOf(name);
    }

    private boolean enabled(final Level at)
    {
        return at.toInt() >= level;
    }

    @Override
    public boolean isTraceEnabled()
    {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled()
    {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled()
    {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled()
    {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled()
    {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName()
    {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(final Level at, final Marker marker, final String pattern, final Object[] arguments,
        final Throwable throwable)
    {
        write(at, System.currentTimeMillis(), MessageFormatter.basicArrayFormat(pattern, arguments), List.of(), throwable);
    }

    @Override
    public void log(final LoggingEvent event)
    {
        if (!enabled(event.getLevel()))
        {
            return;
        }
        final Object[] arguments = event.getArgumentArray();
        Throwable throwable = event.getThrowable();
        if (throwable == null && arguments != null && arguments.length > 0 && arguments[arguments.length - 1] instanceof Throwable)
        {
            throwable = (Throwable)arguments[arguments.length - 1];
        }
        final List<KeyValuePair> pairs = event.getKeyValuePairs() == null ? List.of() : event.getKeyValuePairs();
        write(event.getLevel(), event.getTimeStamp() > 0 ? event.getTimeStamp() : System.currentTimeMillis(),
            MessageFormatter.basicArrayFormat(event.getMessage(), arguments), pairs, throwable);
    }

    private void write(final Level at, final long timeMs, final String message, final List<KeyValuePair> pairs, final Throwable throwable)
    {
        final String line = settings.json() ? json(at, timeMs, message, pairs, throwable) : text(at, timeMs, message, pairs, throwable);
        if (out == null)
        {
            LogOutput.write(line);
            return;
        }
        synchronized (out)
        {
            out.print(line);
            out.flush();
        }
    }

    private String text(final Level at, final long timeMs, final String message, final List<KeyValuePair> pairs, final Throwable throwable)
    {
        final StringBuilder line = new StringBuilder(128).append(TIME.format(Instant.ofEpochMilli(timeMs))).append(' ')
            .append(at.name()).append(' ').append(name).append(" - ").append(message);
        for (final KeyValuePair pair : pairs)
        {
            line.append(' ').append(pair.key).append('=').append(pair.value);
        }
        line.append('\n');
        if (throwable != null)
        {
            line.append(stackTrace(throwable));
        }
        return line.toString();
    }

    private String json(final Level at, final long timeMs, final String message, final List<KeyValuePair> pairs, final Throwable throwable)
    {
        final ObjectNode node = JSON.createObjectNode();
        node.put("time", Instant.ofEpochMilli(timeMs).toString()).put("level", at.name()).put("logger", name).put("message", message);
        for (final KeyValuePair pair : pairs)
        {
            final Object value = pair.value;
            if (value instanceof Number || value instanceof Boolean)
            {
                node.set(pair.key, JSON.valueToTree(value));
            }
            else
            {
                node.put(pair.key, String.valueOf(value));
            }
        }
        if (throwable != null)
        {
            node.put("error", stackTrace(throwable));
        }
        try
        {
            return JSON.writeValueAsString(node) + '\n';
        }
        catch (final JsonProcessingException ex)
        {
            return text(at, timeMs, message, pairs, throwable);
        }
    }

    private static String stackTrace(final Throwable throwable)
    {
        final StringWriter trace = new StringWriter();
        throwable.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }
}
