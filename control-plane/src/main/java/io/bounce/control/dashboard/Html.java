package io.bounce.control.dashboard;

/**
 * A page being written: text goes in escaped ({@link #text}, {@link #attr}), markup goes in as written
 * ({@link #raw}), so whatever a link, a referrer or a problem detail holds stays text. Not thread-safe: one per page.
 */
final class Html
{
    private final StringBuilder out = new StringBuilder(8192);

    /** Markup, as written: only ever a constant or something built by this class. */
    Html raw(final String markup)
    {
        out.append(markup);
        return this;
    }

    /** Text content, escaped. */
    Html text(final Object text)
    {
        escape(out, text == null ? "" : text.toString());
        return this;
    }

    /** {@code  name="value"}, the value escaped. */
    Html attr(final String name, final Object value)
    {
        out.append(' ').append(name).append("=\"");
        escape(out, value == null ? "" : value.toString());
        out.append('"');
        return this;
    }

    /** A message above a form: a status ({@code ok}) or an error, announced, the error the one its fields point at. */
    Html message(final boolean ok, final Object text)
    {
        return raw(ok ? "<p class=\"note\" role=\"status\">" : "<p class=\"error\" role=\"alert\" id=\"form-error\">").text(text).raw("</p>");
    }

    /** Mark the field being written as the one the form's error is about, when {@code invalid}. */
    Html invalidIf(final boolean invalid)
    {
        return invalid ? raw(" aria-invalid=\"true\" aria-describedby=\"form-error\"") : this;
    }

    /** The hidden field every state-changing form carries. */
    Html csrf(final String token)
    {
        return raw("<input type=\"hidden\" name=\"csrf\"").attr("value", token).raw(">");
    }

    @Override
    public String toString()
    {
        return out.toString();
    }

    static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length() + 16);
        escape(out, text);
        return out.toString();
    }

    private static void escape(final StringBuilder out, final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
    }

    /** JSON to put inside {@code <script type="application/json">}: no {@code <} can end the element early. */
    static String scriptJson(final String json)
    {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }
}
