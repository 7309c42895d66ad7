package io.bounce.runtime.log;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.slf4j.event.Level;

/**
 * How a role logs, read once at start from the environment (or the same names as system properties):
 * <ul>
 * <li>{@code BOUNCE_LOG_FORMAT} ({@code -Dbounce.log.format}): {@code text} (default) or {@code json},
 *     one object a line for a log shipper;</li>
 * <li>{@code BOUNCE_LOG_LEVEL} ({@code -Dbounce.log.level}): {@code trace}, {@code debug}, {@code info}
 *     (default), {@code warn}, {@code error} or {@code off};</li>
 * <li>{@code BOUNCE_LOG_LEVELS} ({@code -Dbounce.log.levels}): levels by logger-name prefix, the longest
 *     match winning, e.g. {@code io.bounce.access=off,io.bounce.runtime.http=debug}. Chronicle's
 *     {@code net.openhft} is at {@code warn} unless named here.</li>
 * </ul>
 */
public final class LogSettings
{
    /** A level by name prefix. */
    private record Rule(String prefix, int level)
    {
    }

    static final int OFF = Integer.MAX_VALUE;

    private final boolean json;
    private final int rootLevel;
    private final List<Rule> rules;

    LogSettings(final String format, final String level, final String levels)
    {
        this.json = "json".equalsIgnoreCase(format == null ? "" : format.trim());
        this.rootLevel = parse(level, Level.INFO.toInt());
        final List<Rule> parsed = new ArrayList<>();
        parsed.add(new Rule("net.openhft", Level.WARN.toInt()));
        if (levels != null)
        {
            for (final String entry : levels.split(","))
            {
                final int eq = entry.indexOf('=');
                if (eq > 0)
                {
                    final String prefix = entry.substring(0, eq).trim();
                    parsed.removeIf(rule -> rule.prefix.equals(prefix));
                    parsed.add(new Rule(prefix, parse(entry.substring(eq + 1), rootLevel)));
                }
            }
        }
        parsed.sort(Comparator.comparingInt((Rule rule) -> rule.prefix.length()).reversed());
        this.rules = List.copyOf(parsed);
    }

    /** The settings this process was started with. */
    static LogSettings fromEnvironment(final Map<String, String> env)
    {
        return new LogSettings(setting(env, "BOUNCE_LOG_FORMAT", "bounce.log.format"), setting(env, "BOUNCE_LOG_LEVEL", "bounce.log.level"),
            setting(env, "BOUNCE_LOG_LEVELS", "bounce.log.levels"));
    }

    private static String setting(final Map<String, String> env, final String variable, final String property)
    {
        final String value = System.getProperty(property);
        return value != null ? value : env.get(variable);
    }

    boolean json()
    {
        return json;
    }

    /** The least severe level {@code logger} writes ({@link #OFF}: none). */
    int levelOf(final String logger)
    {
        for (final Rule rule : rules)
        {
            if (logger.equals(rule.prefix) || logger.startsWith(rule.prefix + "."))
            {
                return rule.level;
            }
        }
        return rootLevel;
    }

    private static int parse(final String name, final int otherwise)
    {
        if (name == null || name.isBlank())
        {
            return otherwise;
        }
        final String lower = name.trim().toLowerCase(Locale.ROOT);
        if (lower.equals("off"))
        {
            return OFF;
        }
        for (final Level level : Level.values())
        {
            if (level.name().toLowerCase(Locale.ROOT).equals(lower))
            {
                return level.toInt();
            }
        }
        return otherwise;
    }
}
