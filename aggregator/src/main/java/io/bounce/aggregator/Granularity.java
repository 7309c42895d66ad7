package io.bounce.aggregator;

import java.util.Locale;

import io.bounce.runtime.http.Problem;

/** The bucket size of an analytics timeline. Its SQL name goes into a query, so only these three exist. */
public enum Granularity
{
    HOUR, DAY, WEEK;

    /** @return DuckDB's {@code date_trunc} unit. */
    String sqlUnit()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the granularity named {@code text} ({@code hour}, {@code day}, {@code week}), or DAY for null. */
    public static Granularity parse(final String text)
    {
        if (text == null)
        {
            return DAY;
        }
        switch (text)
        {
            case "hour":
                return HOUR;
            case "day":
                return DAY;
            case "week":
                return WEEK;
            default:
                throw Problem.badRequest("granularity", "granularity must be hour, day or week");
        }
    }

    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
