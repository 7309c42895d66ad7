package io.bounce.control.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bounce.control.accounts.Account;
import io.bounce.control.accounts.AccountService;
import io.bounce.control.store.SessionQueries.SessionRow;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

/**
 * Signed-in dashboard sessions, any thread (blocking: run on an API worker). A session id is 32 random bytes, sent to
 * the browser once, in an {@code HttpOnly}, {@code SameSite=Lax} cookie ({@code Secure} over TLS); the store keeps only
 * its SHA-256 (the {@code sessions} table, so a restart or a failover signs nobody out), so a copy of the database, the
 * memory or a log names no usable id. An id is made only at sign-in: an id the browser brings that was not made for a
 * sign-in opens nothing and is never adopted, so a fixed id (session fixation) is useless. A session's CSRF token is
 * the SHA-256 of its id under a label of its own: only who holds the id can know it, and nothing more is stored. A
 * session ends at sign-out, at its end, and when its account is disabled or its password changes (see
 * {@code Dashboard}). Sessions seen lately are kept in memory (at most {@value #CACHED}, for {@value #CACHED_SECONDS} s),
 * so most pages read no database for them; the short stay bounds how long a sign-out on another control plane of the
 * same store (its standby, say) takes to reach this one.
 */
final class Sessions
{
    static final String COOKIE = "bounce_session";
    /** The sign-in form's CSRF token before there is a session: the same value in a cookie and in the form. */
    static final String SIGN_IN_COOKIE = "bounce_sign_in";
    private static final int CACHED = 100_000;
    private static final int CACHED_SECONDS = 30;

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
    private final AccountService store;
    private final Cache<String, SessionRow> byIdHash = Caffeine.newBuilder().maximumSize(CACHED).expireAfterWrite(CACHED_SECONDS, TimeUnit.SECONDS)
        .executor(Runnable::run).build();
    private final long sessionMs;

    /** @param store where sessions are kept (the accounts' service, over the control plane's store). */
    Sessions(final AccountService store, final long sessionMs)
    {
        this.store = store;
        this.sessionMs = sessionMs;
    }

    /** A new session for {@code account}, committed before the future completes. @return its id, for the cookie only. */
    CompletableFuture<String> open(final Account account, final long nowMs)
    {
        final String id = token();
        final SessionRow row = new SessionRow(hash(id), account.id(), account.passwordStamp(), nowMs, nowMs + sessionMs);
        return store.saveSession(row).thenApply(saved ->
        {
            byIdHash.put(row.idHash(), row);
            return id;
        });
    }

    /** @return the live session the request's cookie names, or null. */
    Session find(final String cookieHeader, final long nowMs)
    {
        final String id = cookie(cookieHeader, COOKIE);
        if (id == null || id.length() > 64)
        {
            return null;
        }
        final String idHash = hash(id);
        SessionRow row = byIdHash.getIfPresent(idHash);
        if (row == null)
        {
            try
            {
                row = store.findSession(idHash); // an unknown id is not remembered: made-up ids cannot fill the cache
            }
            catch (final SQLException ex)
            {
                throw new CompletionException(ex);
            }
            if (row == null)
            {
                return null;
            }
            byIdHash.put(idHash, row);
        }
        return row.expiresAt() <= nowMs ? null : new Session(idHash, row.accountId(), row.passwordStamp(), csrf(id), row.expiresAt());
    }

    /** End a session; the future completes once that is committed. */
    CompletableFuture<Void> close(final Session session)
    {
        byIdHash.invalidate(session.idHash());
        return store.deleteSession(session.idHash());
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

    /** The CSRF token of the session whose id is {@code id}. */
    private static String csrf(final String id)
    {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256("bounce dashboard csrf\0" + id));
    }

    private static String hash(final String id)
    {
        return HexFormat.of().formatHex(sha256(id));
    }

    private static byte[] sha256(final String text)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
