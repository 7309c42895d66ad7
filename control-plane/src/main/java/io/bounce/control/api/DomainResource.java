package io.bounce.control.api;

import java.time.Instant;
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
import io.bounce.control.store.AcmeQueries;
import io.bounce.replication.tls.DomainPolicy;

/** {@code /api/v1/domains}: the domains links can belong to; adding one is for admins. */
final class DomainResource
{
    private static final Set<String> FIELDS = Set.of("name", "https");
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
            new Route("DELETE", "/api/v1/domains/{domain}", Scope.ADMIN, this::remove),
            new Route("POST", "/api/v1/domains/{domain}/renew", Scope.ADMIN, this::renew),
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
        final ObjectNode body = Json.object(request.body, FIELDS);
        return domains.add(key, Json.string(body, "name"), Json.string(body, "https")).thenApply(added ->
        {
            final ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("name", added.name());
            out.put("https", added.https());
            final ArrayNode dns = out.putArray("dnsRecords"); // what the owner must set to point the domain at the fleet
            added.dnsRecords().forEach(dns::add);
            return ApiResponse.json(201, out);
        });
    }

    private CompletableFuture<ApiResponse> remove(final ApiKey key, final ApiRequest request, final Map<String, String> params)
    {
        return domains.remove(key, params.get("domain")).thenApply(removed -> ApiResponse.noContent());
    }

    /** Renew an ACME domain's certificate now: 202, the order runs in the background and shows in the domain's status. */
    private CompletableFuture<ApiResponse> renew(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        domains.renew(key, params.get("domain"));
        final ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("name", params.get("domain"));
        out.put("renewal", "scheduled");
        return CompletableFuture.completedFuture(ApiResponse.json(202, out));
    }

    /** One domain: its HTTPS policy and its certificates' metadata. */
    private CompletableFuture<ApiResponse> get(final ApiKey key, final ApiRequest request, final Map<String, String> params)
        throws Exception
    {
        final String name = params.get("domain");
        final ObjectNode out = render(domains.policy(name));
        final AcmeQueries.State state = domains.state(name);
        out.put("https", state.mode());
        out.put("status", status(state, Instant.now()));
        if (state.detail() != null)
        {
            out.put("statusDetail", state.detail());
        }
        if (state.statusAtMs() > 0)
        {
            out.put("statusChangedAt", Instant.ofEpochMilli(state.statusAtMs()).toString());
        }
        if (state.auto() && state.nextAtMs() > 0)
        {
            out.put("nextAttemptAt", Instant.ofEpochMilli(state.nextAtMs()).toString());
        }
        out.put("failures", state.failures());
        if (state.notAfterMs() > 0)
        {
            out.put("notAfter", Instant.ofEpochMilli(state.notAfterMs()).toString());
        }
        out.put("addedAt", Instant.ofEpochMilli(state.createdAtMs()).toString());
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

    /**
     * An {@code auto} domain's status as the issuer keeps it ({@code issuing} before its first attempt); a {@code manual}
     * one's is {@code active} while it holds a certificate valid now, {@code no-certificate} before one is uploaded, and
     * {@code expired} after.
     */
    private static String status(final AcmeQueries.State state, final Instant now)
    {
        if (state.auto())
        {
            return state.status() == null ? "issuing" : state.status();
        }
        return state.notAfterMs() == 0 ? "no-certificate" : state.notAfterMs() > now.toEpochMilli() ? "active" : "expired";
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
