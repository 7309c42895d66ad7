package io.bounce.control.dashboard;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.bounce.runtime.limits.AddressBudget;

/**
 * The sign-in limits, spent before any password is hashed, any thread:
 * <ul>
 *   <li>per address (IPv4, or IPv6 /64): {@code --sign-ins-per-address-per-minute} tries, right or wrong, then 429;</li>
 *   <li>per account: {@code --sign-in-lockout-failures} wrong passwords in a row lock it for {@code --sign-in-lockout-minutes},
 *       during which every try is refused unchecked (so a guess made while locked learns nothing); a right one resets
 *       the count.</li>
 * </ul>
 * The per-account counts are kept for emails with or without an account alike (nothing tells them apart), for at
 * most {@value #MAX_TRACKED} emails, in memory.
 */
final class SignInLimits
{
    private static final int MAX_TRACKED = 100_000;

    private record Failures(int count, long lockedUntilMs)
    {
    }

    private final AddressBudget perAddress;
    private final int lockoutFailures;
    private final long lockoutMs;
    private final Cache<String, Failures> failures;

    SignInLimits(final DashboardOptions options)
    {
        final double perMinute = options.signInsPerAddressPerMinute();
        this.perAddress = new AddressBudget(perMinute / 60.0, perMinute);
        this.lockoutFailures = options.lockoutFailures();
        this.lockoutMs = options.lockoutMs();
        this.failures = Caffeine.newBuilder().maximumSize(MAX_TRACKED).expireAfterWrite(Math.max(lockoutMs, 3_600_000L), TimeUnit.MILLISECONDS)
            .executor(Runnable::run).build();
    }

    /** Spend one try from {@code address}'s budget. @return 0, or the ms until it may try again. */
    long takeTry(final byte[] address, final long nowNs)
    {
        return perAddress.take(address, nowNs);
    }

    /** @return 0 when {@code email} may try, else the ms its lockout has left. */
    long lockedMs(final String email, final long nowMs)
    {
        final Failures entry = failures.getIfPresent(key(email));
        return entry == null || entry.lockedUntilMs <= nowMs ? 0 : entry.lockedUntilMs - nowMs;
    }

    /** Count a wrong password for {@code email}. @return true if this one locked it. */
    boolean failed(final String email, final long nowMs)
    {
        final Failures now = failures.asMap().compute(key(email), (key, old) ->
        {
            // A lockout that has ended starts the count over.
            final int count = old == null || (old.lockedUntilMs != 0 && old.lockedUntilMs <= nowMs) ? 1 : old.count + 1;
            return new Failures(count, count >= lockoutFailures ? nowMs + lockoutMs : 0);
        });
        return now.count == lockoutFailures;
    }

    void succeeded(final String email)
    {
        failures.invalidate(key(email));
    }

    private static String key(final String email)
    {
        return email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
    }
}
