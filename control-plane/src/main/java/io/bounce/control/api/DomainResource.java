package io.bounce.control.api;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.control.domains.CertificateService;
import io.bounce.control.domains.DomainService;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.keys.Scope;
import io.bounce.replication.tls.DomainPolicy;

/** {@code /api/v1/domains}: the domains links can belong to; adding one is for admins. */
final class DomainResource
{
    private static final Set<String> FIELDS = Set.of("name");
    private static final Set<String> CERTIFICATE_FIELDS = Set.of("certificate", "privateKey");
    private static final Set<String> POLICY_FIELDS = Set.of("httpsOnly", "hstsMaxAge", "hstsIncludeSubDomains", "hstsPreload");

    private final DomainService domains;

    DomainResource(final ApiContext context)
    {
        this.domains = context.domains();
    }

    List<Route> routes()
    {
        return List.of(
            new Route("GET", "/api/v1/domains", Scope.LINKS_READ, this::list),
            new Route("POST", "/api/v1/domains", Scope.ADMIN, this::add),
            new Route("GET", "/api/v1/domains/{domain}", Scope.ADMIN, this::get),
            new Route("PATCH", "/api/v1/domains/{domain}", Scope.ADMIN, this::update),
            new Route("PUT", "/api/v1/domains/{domain}/certificate", Scope.ADMIN, this::putCertificate),
            new Route("GET", "/api/v1/domains/{domain}/certificate", Scope.ADMIN, this::getCertificate));
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

    /** One domain: its HTTPS policy and its certificates' metadata. */
    private CompletableFuture<ApiResponse> get(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final String name = params.get("domain");
        final ObjectNode out = render(domains.policy(name));
        final ArrayNode items = out.putArray("certificates");
        for (final CertificateService.Metadata metadata : domains.certificates().list(name))
        {
            items.add(render(metadata));
        }
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    /** Change a domain's HTTPS policy: {@code httpsOnly} and the HSTS header it sends. */
    private CompletableFuture<ApiResponse> update(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, POLICY_FIELDS);
        final Integer maxAge = Json.integer(body, "hstsMaxAge");
        final DomainService.PolicyChange change = new DomainService.PolicyChange(Json.bool(body, "httpsOnly"),
            maxAge == null ? null : Long.valueOf(maxAge), Json.bool(body, "hstsIncludeSubDomains"), Json.bool(body, "hstsPreload"));
        return domains.update(key, params.get("domain"), change).thenApply(policy -> ApiResponse.json(200, render(policy)));
    }

    private static ObjectNode render(final DomainPolicy policy)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("name", policy.domain());
        out.put("default", policy.defaultCertificate());
        out.put("httpsOnly", policy.httpsOnly());
        out.put("hstsMaxAge", policy.hstsMaxAgeSeconds());
        out.put("hstsIncludeSubDomains", policy.hstsIncludeSubDomains());
        out.put("hstsPreload", policy.hstsPreload());
        out.put("hsts", policy.hstsValue()); // the header the edges send over HTTPS; null when none
        return out;
    }

    /** Upload a certificate and its key: checked, the key sealed; the answer is metadata, never the key. */
    private CompletableFuture<ApiResponse> putCertificate(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        final ObjectNode body = Json.object(request.body, CERTIFICATE_FIELDS);
        return domains.certificates().put(key, params.get("domain"), Json.string(body, "certificate"), Json.string(body, "privateKey"))
            .thenApply(metadata -> ApiResponse.json(200, render(metadata)));
    }

    private CompletableFuture<ApiResponse> getCertificate(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("domain", params.get("domain"));
        final ArrayNode items = out.putArray("certificates");
        for (final CertificateService.Metadata metadata : domains.certificates().list(params.get("domain")))
        {
            items.add(render(metadata));
        }
        return CompletableFuture.completedFuture(ApiResponse.json(200, out));
    }

    private static ObjectNode render(final CertificateService.Metadata metadata)
    {
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("domain", metadata.domain());
        out.put("keyType", metadata.keyType());
        out.put("subject", metadata.subject());
        out.put("issuer", metadata.issuer());
        out.put("serial", metadata.serial());
        final ArrayNode names = out.putArray("names");
        metadata.names().forEach(names::add);
        out.put("notBefore", metadata.notBefore().toString());
        out.put("notAfter", metadata.notAfter().toString());
        out.put("sha256", metadata.fingerprint());
        out.put("uploadedAt", metadata.uploadedAt().toString());
        return out;
    }
}
