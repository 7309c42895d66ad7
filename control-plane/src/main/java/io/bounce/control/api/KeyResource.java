package io.bounce.control.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.KeyService;
import io.bounce.control.keys.Scope;
import io.bounce.control.store.Queries;
import io.bounce.runtime.http.Problem;

/**
 * {@code /api/v1/keys} (admin): list, mint (the secret is shown once, in the 201), grant branded domains
 * ({@code PATCH}) and revoke API keys.
 */
final class KeyResource
{
    private static final Set<String> FIELDS = Set.of("name", "scopes", "ratePerSecond", "burst", "domains");
    private static final Set<String> PATCH_FIELDS = Set.of("domains");

    private final KeyService keys;

    KeyResource(final ApiContext context)
    {
        this.keys = context.keys();
    }

    List<Route> routes()
    {
        return List.of(
            new Route("GET", "/api/v1/keys", Scope.ADMIN, this::list),
            new Route("POST", "/api/v1/keys", Scope.ADMIN, this::create),
            new Route("PATCH", "/api/v1/keys/{id}", Scope.ADMIN, this::grant),
            new Route("DELETE", "/api/v1/keys/{id}", Scope.ADMIN, this::revoke));
    }

    private CompletableFuture<ApiResponse> list(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        final ArrayNode items = out.putArray("keys");
        for (final Queries.KeyRow row : keys.list())
        {
            if (!row.isAccountOwnKey()) // it signs in by password, not as a bearer: see /accounts
            {
                items.add(render(row, null));
            }
        }
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    private CompletableFuture<ApiResponse> create(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, FIELDS);
        final JsonNode scopesNode = body.get("scopes");
        List<String> scopes = null;
        if (scopesNode != null && scopesNode.isArray())
        {
            scopes = new ArrayList<>();
            for (final JsonNode scope : scopesNode)
            {
                scopes.add(scope.asText());
            }
        }
        else if (scopesNode != null)
        {
            scopes = List.of(); // not an array: refused as no scopes, after the name is checked
        }
        return keys.create(key, Json.string(body, "name"), scopes, Json.number(body, "ratePerSecond"), Json.integer(body, "burst"),
                Json.strings(body, "domains"))
            .thenApply(minted -> ApiResponse.json(201, render(minted.row, minted.secret)));
    }

    private CompletableFuture<ApiResponse> grant(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final long id = id(params);
        final List<String> domains = Json.strings(Json.object(request.body, PATCH_FIELDS), "domains");
        if (domains == null)
        {
            throw Problem.badRequest("key-domains", "domains is required: the branded domains this key may create links on");
        }
        return keys.setDomains(key, id, domains).thenApply(row -> ApiResponse.json(200, render(row, null)));
    }

    private static long id(final Map<String, String> params)
    {
        try
        {
            return Long.parseLong(params.get("id"));
        }
        catch (final NumberFormatException ex)
        {
            throw Problem.notFound("no key " + Problem.echo(params.get("id")));
        }
    }

    private CompletableFuture<ApiResponse> revoke(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        return keys.revoke(key, id(params)).thenApply(revoked -> ApiResponse.noContent());
    }

    private static ObjectNode render(final Queries.KeyRow row, final String secret)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", row.id);
        out.put("name", row.name);
        if (row.accountId != 0)
        {
            out.put("account", row.accountId); // made in the dashboard: its links are that account's
        }
        final ArrayNode scopes = out.putArray("scopes");
        for (final String scope : row.scopes.split(","))
        {
            scopes.add(scope);
        }
        if (row.ratePerSecond != null)
        {
            out.put("ratePerSecond", row.ratePerSecond);
        }
        if (row.burst != null)
        {
            out.put("burst", row.burst);
        }
        final ArrayNode domains = out.putArray("domains");
        if (row.domains != null)
        {
            for (final String domain : row.domains.split(","))
            {
                domains.add(domain);
            }
        }
        out.put("createdAt", Instant.ofEpochMilli(row.createdAt).toString());
        out.put("revoked", row.revokedAt != 0);
        if (secret != null)
        {
            out.put("key", secret);
        }
        return out;
    }
}
