package io.bounce.control.api;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;
import io.bounce.control.links.LinkService;

/** What only admins do to links that are not theirs: {@code POST /api/v1/links/{code}/takedown} (edges answer 451). */
final class AdminResource
{
    private static final Set<String> TAKEDOWN_FIELDS = Set.of("reason");

    private final LinkService links;
    private final LinkJson json;

    AdminResource(final ApiContext context, final LinkJson json)
    {
        this.links = context.links();
        this.json = json;
    }

    List<Route> routes()
    {
        return List.of(new Route("POST", "/api/v1/links/{code}/takedown", Scope.ADMIN, java.util.Set.of("domain"), this::takedown));
    }

    private CompletableFuture<ApiResponse> takedown(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, TAKEDOWN_FIELDS);
        return links.takedown(key, request.query("domain"), params.get("code"), Json.string(body, "reason"))
            .thenApply(row -> ApiResponse.json(200, json.render(row)));
    }
}
