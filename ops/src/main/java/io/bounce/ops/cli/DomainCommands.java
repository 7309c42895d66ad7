package io.bounce.ops.cli;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "domains", description = "List, add, show, update, renew or remove domains (HTTPS only, HSTS, ACME); set and show their certificates.",
    mixinStandardHelpOptions = true,
    subcommands = CertificateCommands.class)
final class DomainCommands
{
    @ParentCommand
    BounceCtl root;

    @Command(name = "list", description = "List the domains links can use.")
    int list() throws ApiClient.Failure
    {
        final JsonNode answer = root.client().call("GET", "/api/v1/domains", null);
        root.print(answer, () ->
        {
            for (final JsonNode name : answer.get("domains"))
            {
                root.out().println(name.asText() + (name.asText().equals(answer.get("default").asText()) ? "  (default)" : ""));
            }
        });
        return 0;
    }

    @Command(name = "add", description = "Add a branded domain (admin); with --https auto the control plane gets and renews its " +
        "certificates by ACME once its DNS points at the fleet.")
    int add(@CommandLine.Parameters(paramLabel = "NAME", description = "lower-case domain, punycode for international names") final String name,
        @Option(names = "--https", paramLabel = "auto|manual", defaultValue = "manual",
            description = "auto: certificates by ACME; manual: uploaded with `domains cert set`. Default: ${DEFAULT-VALUE}") final String https)
        throws ApiClient.Failure
    {
        final JsonNode answer = root.client().call("POST", "/api/v1/domains", Map.of("name", name, "https", https));
        root.print(answer, () ->
        {
            root.out().println("added " + name + " (certificates: " + answer.get("https").asText() + ")");
            if (answer.get("dnsRecords").size() > 0)
            {
                root.out().println("point it at the fleet with one of these DNS records:");
                answer.get("dnsRecords").forEach(record -> root.out().println("  " + record.asText()));
            }
        });
        return 0;
    }

    @Command(name = "renew", description = "Renew an ACME domain's certificate now (admin); `domains show` follows the order.")
    int renew(@CommandLine.Parameters(paramLabel = "DOMAIN", description = "the domain") final String name) throws ApiClient.Failure
    {
        final JsonNode answer = root.client().call("POST", "/api/v1/domains/" + name + "/renew", Map.of());
        root.print(answer, () -> root.out().println("renewal of " + name + " scheduled"));
        return 0;
    }

    @Command(name = "remove", description = "Remove a branded domain without links (admin): every edge stops serving it over HTTPS.")
    int remove(@CommandLine.Parameters(paramLabel = "DOMAIN", description = "the domain") final String name) throws ApiClient.Failure
    {
        root.client().call("DELETE", "/api/v1/domains/" + name, null);
        root.print(null, () -> root.out().println("removed " + name));
        return 0;
    }

    @Command(name = "show", description = "Show a domain's HTTPS policy and its certificates (admin).")
    int show(@CommandLine.Parameters(paramLabel = "DOMAIN", description = "the domain") final String name) throws ApiClient.Failure
    {
        final JsonNode answer = root.client().call("GET", "/api/v1/domains/" + name, null);
        root.print(answer, () ->
        {
            root.out().println(policy(answer));
            root.out().println("  certificates: " + answer.get("https").asText() + ", status " + answer.get("status").asText() +
                (answer.has("statusDetail") ? " (" + answer.get("statusDetail").asText() + ")" : "") +
                (answer.has("statusChangedAt") ? " since " + answer.get("statusChangedAt").asText() : "") +
                (answer.has("notAfter") ? "; valid until " + answer.get("notAfter").asText() : "") +
                (answer.has("nextAttemptAt") ? "; next ACME attempt " + answer.get("nextAttemptAt").asText() : ""));
            for (final JsonNode certificate : answer.get("certificates"))
            {
                root.out().println("  certificate " + CertificateCommands.describe(certificate));
            }
        });
        return 0;
    }

    @Command(name = "update", description = "Change a domain's HTTPS policy (admin): every edge applies it through the change log.")
    int update(
        @CommandLine.Parameters(paramLabel = "DOMAIN", description = "the domain") final String name,
        @Option(names = "--https-only", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "plain HTTP gets a 308 to https://, HTTPS answers send HSTS") final Boolean httpsOnly,
        @Option(names = "--hsts-max-age", paramLabel = "SECONDS",
            description = "HSTS max-age (0 to 63072000; one year until set). Start low: browsers keep it.") final Integer maxAge,
        @Option(names = "--hsts-include-subdomains", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "HSTS covers every subdomain too") final Boolean includeSubDomains,
        @Option(names = "--hsts-preload", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "ask for the browsers' preload list (needs the two above and a year)") final Boolean preload)
        throws ApiClient.Failure
    {
        final Map<String, Object> body = new java.util.LinkedHashMap<>();
        putIfSet(body, "httpsOnly", httpsOnly);
        putIfSet(body, "hstsMaxAge", maxAge);
        putIfSet(body, "hstsIncludeSubDomains", includeSubDomains);
        putIfSet(body, "hstsPreload", preload);
        if (body.isEmpty())
        {
            throw new ApiClient.Failure(0, "nothing to change: give --https-only, --hsts-max-age, --hsts-include-subdomains or " +
                "--hsts-preload", 0, 2);
        }
        final JsonNode answer = root.client().call("PATCH", "/api/v1/domains/" + name, body);
        root.print(answer, () -> root.out().println(policy(answer)));
        return 0;
    }

    private static void putIfSet(final Map<String, Object> body, final String field, final Object value)
    {
        if (value != null)
        {
            body.put(field, value);
        }
    }

    private static String policy(final JsonNode domain)
    {
        return domain.get("name").asText() + (domain.get("default").asBoolean() ? " (default)" : "") +
            (domain.get("httpsOnly").asBoolean() ? ": HTTPS only, Strict-Transport-Security: " + domain.get("hsts").asText()
                : ": HTTP and HTTPS");
    }
}
