package io.bounce.control.dashboard;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.api.ApiResponse;
import io.bounce.runtime.http.Problem;

/**
 * {@code /domains} (admins): the service's domains with their HTTPS state, and the form that adds one (its certificate
 * by ACME or, with {@code manual}, uploaded with {@code bouncectl domains}). Everything through the API's domain routes.
 */
final class DomainPages
{
    private final Dashboard dashboard;

    DomainPages(final Dashboard dashboard)
    {
        this.dashboard = dashboard;
    }

    CompletableFuture<ApiResponse> handle(final Dashboard.Visit visit, final Map<String, String> form)
    {
        if (!visit.account().isAdmin())
        {
            throw new Problem(403, "forbidden", "Forbidden", "only admins manage domains");
        }
        if (visit.request().method().equals("POST"))
        {
            final ObjectNode body = Dashboard.JSON.createObjectNode().put("name", form.getOrDefault("name", "").strip())
                .put("https", "auto".equals(form.get("https")) ? "auto" : "manual");
            return dashboard.call(visit, "POST", "/api/v1/domains", body).thenCompose(answer -> answer.status() < 300
                ? list(visit, "Domain " + Dashboard.json(answer).path("name").asText() + " added.", 201)
                : list(visit, Dashboard.json(answer).path("detail").asText(), answer.status()));
        }
        return list(visit, null, 200);
    }

    private CompletableFuture<ApiResponse> list(final Dashboard.Visit visit, final String message, final int status)
    {
        return dashboard.call(visit, "GET", "/api/v1/domains", null).thenCompose(names ->
        {
            final JsonNode list = Dashboard.json(names);
            final java.util.List<CompletableFuture<ApiResponse>> details = new java.util.ArrayList<>();
            for (final JsonNode name : list.path("domains"))
            {
                details.add(dashboard.call(visit, "GET", "/api/v1/domains/" + name.asText(), null));
            }
            return CompletableFuture.allOf(details.toArray(new CompletableFuture[0])).thenApply(all ->
            {
                final Html main = new Html().raw("<h1>Domains</h1>");
                if (message != null)
                {
                    main.message(status < 300, message);
                }
                main.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Domain</th><th scope=\"col\">HTTPS</th>")
                    .raw("<th scope=\"col\">Certificate</th><th scope=\"col\">Valid until</th></tr></thead><tbody>");
                for (final CompletableFuture<ApiResponse> detail : details)
                {
                    final JsonNode domain = Dashboard.json(detail.join());
                    main.raw("<tr><td>").text(domain.path("name").asText())
                        .raw(domain.path("name").asText().equals(list.path("default").asText()) ? " (default)" : "").raw("</td><td>")
                        .text(domain.path("https").asText("-")).raw("</td><td>").text(domain.path("status").asText("-")).raw("</td><td>")
                        .text(domain.path("notAfter").isTextual() ? LinkPages.day(domain.path("notAfter").asText()) : "-").raw("</td></tr>");
                }
                main.raw("</tbody></table></div><form method=\"post\" action=\"/domains\" class=\"stack\"><h2>Add a domain</h2>")
                    .csrf(visit.csrf())
                    .raw("<label for=\"name\">Domain name</label><input id=\"name\" name=\"name\" required maxlength=\"253\" autocomplete=\"off\"")
                    .invalidIf(status >= 400).raw(">")
                    .raw("<label for=\"https\">Certificate</label><select id=\"https\" name=\"https\">")
                    .raw("<option value=\"auto\">From the ACME CA (automatic)</option><option value=\"manual\">Uploaded (bouncectl domains)</option>")
                    .raw("</select><button type=\"submit\">Add domain</button></form>");
                return dashboard.page(status, visit, "Domains", "/domains", main);
            });
        });
    }
}
