package io.bounce.control.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.accounts.Account;
import io.bounce.control.accounts.AccountService;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;
import io.bounce.runtime.http.Problem;

/**
 * {@code /api/v1/accounts} (admin): the dashboard's accounts. List them, make one (email, password, role), and
 * change one's password, role or whether it is disabled. A password goes in and never comes out.
 */
final class AccountResource
{
    private static final Set<String> FIELDS = Set.of("email", "password", "role");
    private static final Set<String> PATCH_FIELDS = Set.of("password", "role", "disabled");

    private final AccountService accounts;

    AccountResource(final ApiContext context)
    {
        this.accounts = context.accounts();
    }

    List<Route> routes()
    {
        return List.of(
            new Route("GET", "/api/v1/accounts", Scope.ADMIN, this::list),
            new Route("POST", "/api/v1/accounts", Scope.ADMIN, this::create),
            new Route("PATCH", "/api/v1/accounts/{id}", Scope.ADMIN, this::update));
    }

    private CompletableFuture<ApiResponse> list(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        final ArrayNode items = out.putArray("accounts");
        for (final Account account : accounts.list())
        {
            items.add(render(account));
        }
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    private CompletableFuture<ApiResponse> create(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, FIELDS);
        return accounts.create(key, Json.string(body, "email"), Json.string(body, "password"), Json.string(body, "role"))
            .thenApply(account -> ApiResponse.json(201, render(account)).header("Location", "/api/v1/accounts/" + account.id()));
    }

    private CompletableFuture<ApiResponse> update(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final long id;
        try
        {
            id = Long.parseLong(params.get("id"));
        }
        catch (final NumberFormatException ex)
        {
            throw Problem.notFound("no account " + Problem.echo(params.get("id")));
        }
        final ObjectNode body = Json.object(request.body, PATCH_FIELDS);
        return accounts.update(key, id, Json.string(body, "password"), Json.string(body, "role"), Json.bool(body, "disabled"))
            .thenApply(account -> ApiResponse.json(200, render(account)));
    }

    static ObjectNode render(final Account account)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", account.id()).put("email", account.email()).put("role", account.role().label()).put("keyId", account.keyId())
            .put("createdAt", Instant.ofEpochMilli(account.createdAt()).toString()).put("disabled", account.isDisabled());
        return out;
    }
}
