package io.bounce.control.dashboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.bounce.control.api.ApiResponse;
import io.bounce.control.keys.KeyService;
import io.bounce.control.keys.Scope;
import io.bounce.control.store.Queries.KeyRow;
import io.bounce.runtime.http.Problem;

/**
 * {@code /keys}: the API keys an account made for its scripts, which own links with it (what a key makes, the
 * account sees). Make one (its secret shown once, on the answer to the POST, never again) or revoke one. An admin sees
 * and may revoke every key of the service too.
 */
final class KeyPages
{
    private static final Scope[] SCOPES = {Scope.LINKS_WRITE, Scope.LINKS_READ, Scope.ANALYTICS_READ, Scope.ADMIN};

    private final Dashboard dashboard;
    private final KeyService keys;

    KeyPages(final Dashboard dashboard, final KeyService keys)
    {
        this.dashboard = dashboard;
        this.keys = keys;
    }

    CompletableFuture<ApiResponse> handle(final Dashboard.Visit visit, final String[] parts, final Map<String, String> form) throws Exception
    {
        final boolean post = visit.request().method().equals("POST");
        if (parts.length == 2 && !post)
        {
            return Dashboard.done(list(visit, null, null, 200));
        }
        if (parts.length == 2)
        {
            final List<String> scopes = new ArrayList<>();
            for (final Scope scope : SCOPES)
            {
                if (form.containsKey("scope-" + scope.label()))
                {
                    scopes.add(scope.label());
                }
            }
            try
            {
                return keys.create(visit.key(), form.getOrDefault("name", "").strip(), scopes, null, null, null)
                    .handle((minted, failure) -> failure == null
                        ? list(visit, "Key “" + minted.row.name + "” made. Copy it now: it is not shown again.", minted.secret, 201)
                        : list(visit, problem(failure), null, ApiResponse.problem(failure).status()));
            }
            catch (final Problem problem)
            {
                return Dashboard.done(list(visit, problem.detail(), null, problem.status()));
            }
        }
        if (parts.length == 4 && parts[3].equals("revoke") && post)
        {
            final long id;
            try
            {
                id = Long.parseLong(parts[2]);
            }
            catch (final NumberFormatException ex)
            {
                throw Problem.notFound("no such key");
            }
            return keys.revoke(visit.key(), id).handle((revoked, failure) -> failure == null
                ? list(visit, "Key " + id + " revoked: it authenticates nothing from now on.", null, 200)
                : list(visit, problem(failure), null, ApiResponse.problem(failure).status()));
        }
        throw Problem.notFound("there is no page here");
    }

    private static String problem(final Throwable failure)
    {
        return Dashboard.json(ApiResponse.problem(failure)).path("detail").asText();
    }

    private ApiResponse list(final Dashboard.Visit visit, final String message, final String secret, final int status)
    {
        final List<KeyRow> rows;
        try
        {
            rows = visit.account().isAdmin() ? keys.list() : keys.listOfAccount(visit.account().id());
        }
        catch (final java.sql.SQLException ex)
        {
            throw new java.util.concurrent.CompletionException(ex);
        }
        final Html main = new Html().raw("<h1>API keys</h1><p>Keys let scripts and <code>bouncectl</code> act as ")
            .text(visit.account().isAdmin() ? "you or anyone (admin keys)" : "your account").raw(": the links a key makes are yours.</p>");
        if (message != null)
        {
            main.message(status < 300, message);
        }
        if (secret != null)
        {
            main.raw("<p><label for=\"secret\">The new key</label><input id=\"secret\" class=\"secret\" readonly").attr("value", secret)
                .raw("></p>");
        }
        main.raw("<form method=\"post\" action=\"/keys\" class=\"stack\"><h2>Make a key</h2>").csrf(visit.csrf())
            .raw("<label for=\"name\">Name</label><input id=\"name\" name=\"name\" required maxlength=\"200\"")
            .invalidIf(status >= 400).raw("><fieldset><legend>What it may do</legend>");
        for (final Scope scope : SCOPES)
        {
            if (scope == Scope.ADMIN && !visit.account().isAdmin())
            {
                continue;
            }
            main.raw("<div class=\"check\"><input type=\"checkbox\"").attr("id", "scope-" + scope.label()).attr("name", "scope-" + scope.label())
                .raw(scope == Scope.ADMIN ? "" : " checked").raw("><label").attr("for", "scope-" + scope.label()).raw(">").text(scope.label())
                .raw("</label></div>");
        }
        main.raw("</fieldset><button type=\"submit\">Make key</button></form>");
        main.raw("<h2>").text(visit.account().isAdmin() ? "Every key" : "Your keys").raw("</h2>");
        final List<KeyRow> shown = rows.stream().filter(row -> row.revokedAt == 0 && !row.isAccountOwnKey()).toList();
        if (shown.isEmpty())
        {
            main.raw("<p>No keys.</p>");
            return dashboard.page(status, visit, "API keys", "/keys", main);
        }
        main.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Name</th><th scope=\"col\">Scopes</th>")
            .raw("<th scope=\"col\">Made</th><th scope=\"col\"><span class=\"visually-hidden\">Revoke</span></th></tr></thead><tbody>");
        for (final KeyRow row : shown)
        {
            main.raw("<tr><td>").text(row.id).raw("</td><td>").text(row.name).raw("</td><td>").text(row.scopes).raw("</td><td>")
                .text(LinkPages.day(Instant.ofEpochMilli(row.createdAt).toString())).raw("</td><td><form method=\"post\"")
                .attr("action", "/keys/" + row.id + "/revoke").raw(">").csrf(visit.csrf()).raw("<button type=\"submit\" class=\"danger\"")
                .attr("aria-label", "Revoke key " + row.name).raw(">Revoke</button></form></td></tr>");
        }
        main.raw("</tbody></table></div>");
        return dashboard.page(status, visit, "API keys", "/keys", main);
    }
}
