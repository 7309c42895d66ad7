package io.bounce.control.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

/**
 * Signed-in dashboard sessions, any thread. A session id is 32 random bytes, sent to the browser once, in an
 * {@code HttpOnly}, {@code SameSite=Lax} cookie ({@code Secure} over TLS); the server keeps only its SHA-256, so a copy
 * of the memory or a log line names no usable id. An id is made only at sign-in: an id the browser brings that this
 * server did not make for a sign-in opens nothing and is never adopted, so a fixed id (session fixation) is useless.
 * Each session has its own CSRF token, which every state-changing form carries. A session ends at sign-out, at its
 * end, and when its account is disabled or its password changes (see {@code Dashboard}). Sessions live in memory: a restart
 * or a failover signs everyone out. At most {@value #MAX_SESSIONS}, the least recently used going first.
 */
final class Sessions
{
    static final String COOKIE = "bounce_session";
    /** The sign-in form's CSRF token before there is a session: the same value in a cookie and in the form. */
    static final String SIGN_IN_COOKIE = "bounce_sign_in";
    private static final int MAX_SESSIONS = 100_000;

    /**
     * One signed-in browser.
     *
     * @param csrf          the token its forms carry.
     * @param passwordStamp the account's {@code passwordStamp} at sign-in: a new password ends the session.
     */
    record Session(String idHash, long accountId, long passwordStamp, String csrf, long expiresMs)
    {
    }

    private final SecureRandom random = new SecureRandom();
    private final Cache<String, Session> byIdHash;
    private final long sessionMs;

    Sessions(final long sessionMs)
    {
        this.sessionMs = sessionMs;
        this.byIdHash = Caffeine.newBuilder().maximumSize(MAX_SESSIONS).expireAfterWrite(sessionMs, TimeUnit.MILLISECONDS)
            .executor(Runnable::run).build();
    }

    /** A new session for {@code account}. @return its id, for the cookie (never kept here). */
    String open(final io.bounce.control.accounts.Account account, final long nowMs)
    {
        final String id = token();
        byIdHash.put(hash(id), new Session(hash(id), account.id(), account.passwordStamp(), token(), nowMs + sessionMs));
        return id;
    }

    /** @return the live session the request's cookie names, or null. */
    Session find(final String cookieHeader, final long nowMs)
    {
        final String id = cookie(cookieHeader, COOKIE);
        if (id == null || id.length() > 64)
        {
            return null;
        }
        final Session session = byIdHash.getIfPresent(hash(id));
        return session == null || session.expiresMs() <= nowMs ? null : session;
    }

    void close(final Session session)
    {
        byIdHash.invalidate(session.idHash());
    }

    long sessionSeconds()
    {
        return sessionMs / 1000;
    }

    /** 32 random bytes, base64url. */
    String token()
    {
        final byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @return the value of cookie {@code name} in a Cookie header, or null. */
    static String cookie(final String header, final String name)
    {
        if (header == null || header.length() > 8192)
        {
            return null;
        }
        for (final Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header))
        {
            if (cookie.name().equals(name))
            {
                return cookie.value();
            }
        }
        return null;
    }

    /** Whether two tokens are the same, in time that does not depend on where they differ. */
    static boolean same(final String expected, final String given)
    {
        return expected != null && given != null &&
            MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII));
    }

    /** A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure over TLS; {@code maxAgeSeconds} 0 removes it. */
    static String setCookie(final String name, final String value, final long maxAgeSeconds, final boolean secure)
    {
        return name + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    private static String hash(final String id)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.US_ASCII)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
