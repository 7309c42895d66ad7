package io.bounce.edge.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class PasswordPassTest
{
    private static final byte[] KEY = "localhost/locked".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECORD = "....$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA....".getBytes(StandardCharsets.US_ASCII);
    private static final int HASH_AT = 4;
    private static final int HASH_LENGTH = RECORD.length - 8;
    private static final long NOW = 1_800_000_000L;

    private final PasswordPass pass = new PasswordPass(PasswordPass.passKey("fleet-secret-of-the-test"), 300);

    private String cookie(final long expiry, final byte[] key, final byte[] record)
    {
        return PasswordPass.COOKIE + PasswordPass.value(expiry, pass.mac(expiry, key, key.length, record, HASH_AT, HASH_LENGTH));
    }

    private boolean valid(final String header, final byte[] key, final byte[] record)
    {
        final ByteBuf in = Unpooled.copiedBuffer("xx" + header, StandardCharsets.US_ASCII);
        try
        {
            return pass.isValid(in, 2, in.writerIndex(), key, key.length, record, HASH_AT, HASH_LENGTH, NOW, 3600);
        }
        finally
        {
            in.release();
        }
    }

    @Test
    void aPassOpensItsLinkUntilItExpiresAndNothingElse()
    {
        final String cookie = cookie(NOW + 3600, KEY, RECORD);
        assertTrue(cookie.matches("bounce_pass=\\d+\\.[0-9a-f]{16}"), cookie);
        assertTrue(valid(cookie, KEY, RECORD));
        assertTrue(valid("theme=dark; " + cookie + "; lang=en", KEY, RECORD), "among other cookies");
        assertTrue(valid("bounce_pass=1.0000000000000000; " + cookie, KEY, RECORD), "a stale one first");
        assertFalse(valid(cookie(NOW, KEY, RECORD), KEY, RECORD), "expired");
        assertFalse(valid(cookie(NOW + 7200, KEY, RECORD), KEY, RECORD), "an expiry past the longest pass");
        assertFalse(valid(cookie, "localhost/other".getBytes(StandardCharsets.US_ASCII), RECORD), "another link");
        final byte[] newPassword = RECORD.clone();
        newPassword[HASH_AT + HASH_LENGTH - 1] ^= 1;
        assertFalse(valid(cookie, KEY, newPassword), "the password changed");
        final String forged = cookie.substring(0, cookie.length() - 1) + (cookie.endsWith("0") ? "1" : "0");
        assertFalse(valid(forged, KEY, RECORD));
        assertFalse(valid(cookie.replace(".", ""), KEY, RECORD));
        assertFalse(valid("bounce_pass=" + (NOW + 100) + ".zzzzzzzzzzzzzzzz", KEY, RECORD));
        assertFalse(valid("", KEY, RECORD));
    }

    @Test
    void theKeyIsTheFleetsOrRandom()
    {
        assertEquals(16, PasswordPass.passKey("a").length);
        assertEquals(java.util.Arrays.toString(PasswordPass.passKey("a")), java.util.Arrays.toString(PasswordPass.passKey("a")));
        assertNotEquals(java.util.Arrays.toString(PasswordPass.passKey("")), java.util.Arrays.toString(PasswordPass.passKey("")));
        final PasswordPass other = new PasswordPass(PasswordPass.passKey("another fleet"), 300);
        assertNotEquals(pass.mac(NOW, KEY, KEY.length, RECORD, HASH_AT, HASH_LENGTH), other.mac(NOW, KEY, KEY.length, RECORD, HASH_AT, HASH_LENGTH));
        assertNotEquals(pass.linkBucket(KEY, KEY.length), other.linkBucket(KEY, KEY.length));
    }
}
