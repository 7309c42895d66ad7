package io.bounce.runtime.http;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON string escapes that also write {@code <}, {@code >}, {@code &} and {@code '} as {@code \\u00XX}: the
 * JSON means the same, and an answer that echoes input can never carry markup, even to a client that
 * ignores {@code nosniff}. Set on every mapper that writes an answer.
 */
public final class HtmlSafeEscapes extends CharacterEscapes
{
    private static final long serialVersionUID = 1L;
    private static final int[] ESCAPES = standardAsciiEscapesForJSON();

    static
    {
        ESCAPES['<'] = ESCAPE_STANDARD;
        ESCAPES['>'] = ESCAPE_STANDARD;
        ESCAPES['&'] = ESCAPE_STANDARD;
        ESCAPES['\''] = ESCAPE_STANDARD;
    }

    /** @return {@code mapper}, now writing HTML-safe strings. */
    public static <T extends ObjectMapper> T apply(final T mapper)
    {
        mapper.getFactory().setCharacterEscapes(new HtmlSafeEscapes());
        return mapper;
    }

    @Override
    public int[] getEscapeCodesForAscii()
    {
        return ESCAPES;
    }

    @Override
    public SerializableString getEscapeSequence(final int ch)
    {
        return null; // only standard escapes are asked for
    }
}
