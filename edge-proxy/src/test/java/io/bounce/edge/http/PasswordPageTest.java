package io.bounce.edge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class PasswordPageTest
{
    private static String field(final String body)
    {
        final ByteBuf in = Unpooled.copiedBuffer("head" + body, StandardCharsets.ISO_8859_1);
        try
        {
            final byte[] value = PasswordPage.formValue(in, 4, body.length());
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
        finally
        {
            in.release();
        }
    }

    @Test
    void readsThePasswordFieldOfAUrlEncodedForm()
    {
        assertEquals("open sesame", field("password=open+sesame"));
        assertEquals("a&b=c d", field("x=1&password=a%26b%3Dc%20d&y=2"));
        assertEquals("pässword", field("password=p%C3%A4ssword"));
        assertEquals("", field("password="));
        assertNull(field("Password=x"), "field names are case-sensitive");
        assertNull(field("passwordx=1"));
        assertNull(field("password=%zz"), "badly encoded");
        assertNull(field("password=%4"));
        assertNull(field(""));
    }
}
