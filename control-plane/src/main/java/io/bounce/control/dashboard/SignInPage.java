package io.bounce.control.dashboard;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

import io.bounce.control.ControlMetrics;
import io.bounce.control.accounts.Account;
import io.bounce.control.accounts.AccountService;
import io.bounce.control.api.ApiResponse;

/**
 * Signing in: the form, and its POST. Before any session exists, the form's CSRF token is the value of its own
 * cookie ({@value Sessions#SIGN_IN_COOKIE}), checked against the field (a site that cannot read our cookies cannot
 * post the pair: login CSRF). Then the limits ({@link SignInLimits}), then one argon2id check; a right password opens a
 * brand-new session (the id rotates at every sign-in) and the next page. Outcomes are counted in
 * {@code bounce_dashboard_sign_ins_total{outcome}}: ok, wrong, locked, throttled, csrf.
 */
final class SignInPage
{
    private final Dashboard dashboard;
    private final Sessions sessions;
    private final SignInLimits limits;
    private final AccountService accounts;
    private final ControlMetrics metrics;
    private final LongSupplier nanoClock;

    SignInPage(final Dashboard dashboard, final Sessions sessions, final SignInLimits limits, final AccountService accounts,
        final ControlMetrics metrics, final LongSupplier nanoClock)
    {
        this.dashboard = dashboard;
        this.sessions = sessions;
        this.limits = limits;
        this.accounts = accounts;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
    }

    /** The form, with a fresh sign-in token (in its cookie and its field). @param error shown above the form, or null. */
    ApiResponse form(final Dashboard.Visit visit, final String next, final String error, final int status)
    {
        if (visit.signedIn() && error == null)
        {
            return Dashboard.redirect(local(next));
        }
        final String token = sessions.token();
        final Html main = new Html().raw("<section class=\"narrow\"><h1>Sign in</h1>");
        if (error != null)
        {
            main.message(false, error);
        }
        else if (visit.request().query("signed-out") != null)
        {
            main.message(true, "You are signed out.");
        }
        main.raw("<form method=\"post\" action=\"/sign-in\" class=\"stack\">")
            .raw("<input type=\"hidden\" name=\"csrf\"").attr("value", token).raw(">")
            .raw("<input type=\"hidden\" name=\"next\"").attr("value", local(next)).raw(">")
            .raw("<label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required autofocus")
            .invalidIf(error != null).raw("><label for=\"password\">Password</label>")
            .raw("<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>")
            .raw("<button type=\"submit\">Sign in</button></form></section>");
        return dashboard.page(status, visit, "Sign in", null, main)
            .addHeader("Set-Cookie", Sessions.setCookie(Sessions.SIGN_IN_COOKIE, token, 3600, visit.request().secure()));
    }

    /** The POST: runs on a worker (the check is one argon2id hash, about 70 ms of one core). */
    CompletableFuture<ApiResponse> submit(final Dashboard.Visit visit)
    {
        final Map<String, String> form = Dashboard.Forms.parse(visit.request());
        final String next = form.get("next");
        if (!Sessions.same(Sessions.cookie(visit.request().cookie(), Sessions.SIGN_IN_COOKIE), form.get("csrf")))
        {
            metrics.signIn("csrf");
            metrics.refusal("csrf");
            return Dashboard.done(form(visit, next, "This sign-in form had expired. Please try again.", 403));
        }
        final long waitMs = limits.takeTry(visit.request().remote(), nanoClock.getAsLong());
        if (waitMs > 0)
        {
            metrics.signIn("throttled");
            final long seconds = (waitMs + 999) / 1000;
            return Dashboard.done(form(visit, next, "Too many sign-in attempts from your network. Try again in " + seconds + " seconds.", 429)
                .header("Retry-After", Long.toString(seconds)));
        }
        final String email = form.getOrDefault("email", "");
        final String password = form.getOrDefault("password", "");
        if (email.length() > 254 || password.length() > AccountService.MAX_PASSWORD)
        {
            metrics.signIn("wrong");
            return Dashboard.done(form(visit, next, "Wrong email or password.", 401));
        }
        final long lockedMs = limits.lockedMs(email, visit.nowMs());
        if (lockedMs > 0)
        {
            metrics.signIn("locked");
            final long minutes = (lockedMs + 59_999) / 60_000;
            return Dashboard.done(form(visit, next, "Too many wrong passwords for this account. Sign-in is locked for " + minutes +
                " more minute" + (minutes == 1 ? "" : "s") + ".", 429).header("Retry-After", Long.toString((lockedMs + 999) / 1000)));
        }
        final Account account = accounts.verify(email, password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (account == null)
        {
            metrics.signIn("wrong");
            limits.failed(email, visit.nowMs());
            return Dashboard.done(form(visit, next, "Wrong email or password.", 401));
        }
        limits.succeeded(email);
        metrics.signIn("ok");
        final CompletableFuture<Void> before = visit.session() == null ? CompletableFuture.completedFuture(null)
            : sessions.close(visit.session()); // signing in again (as anyone) ends the session this browser had
        final boolean secure = visit.request().secure();
        return before.thenCompose(closed -> sessions.open(account, visit.nowMs())).thenApply(id -> Dashboard.redirect(local(next))
            .addHeader("Set-Cookie", Sessions.setCookie(Sessions.COOKIE, id, sessions.sessionSeconds(), secure))
            .addHeader("Set-Cookie", Sessions.setCookie(Sessions.SIGN_IN_COOKIE, "", 0, secure)));
    }

    /** Where to go after signing in: a path on this site only (never {@code //host} or a URL), else the links. */
    static String local(final String next)
    {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || next.length() > 512 ||
            next.startsWith("/sign-") || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f))
        {
            return "/links";
        }
        return next;
    }
}
