package io.bounce.control.api;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.domains.DomainService;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;

/** {@code /api/v1/domains}: the domains links can belong to; adding one is for admins. */
final class DomainResource
{
    private static final Set<String> FIELDS = Set.of("name");

    private final DomainService domains;

    DomainResource(final ApiContext context)
    {
        this.domains = context.domains();
    }

    List<Route> routes()
    {
        return List.of(
            new Route("GET", "/api/v1/domains", Scope.LINKS_READ, this::list),
            new Route("POST", "/api/v1/domains", Scope.ADMIN, this::add));
    }

    private CompletableFuture<ApiResponse> list(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("default", domains.defaultDomain());
        final ArrayNode items = out.putArray("domains");
        domains.names().forEach(items::add);
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    private CompletableFuture<ApiResponse> add(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        return domains.add(key, Json.string(Json.object(request.body, FIELDS), "name")).thenApply(added ->
        {
            final ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("name", added);
            return ApiResponse.json(201, out);
        });
    }
}
