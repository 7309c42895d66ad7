package io.bounce.ops.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bouncectl domains cert set|show}: a branded domain's certificates (admin). */
@Command(name = "cert", description = "Set or show a domain's TLS certificates (admin).", mixinStandardHelpOptions = true)
final class CertificateCommands
{
    @ParentCommand
    DomainCommands domains;

    @Command(name = "set", description = "Upload a certificate chain and its private key; the key is stored sealed and never shown again.")
    int set(
        @Parameters(paramLabel = "DOMAIN", description = "the branded domain") final String domain,
        @Option(names = "--cert", paramLabel = "FILE", required = true, description = "PEM chain, leaf first") final Path cert,
        // Not --key: that is every command's API key (BOUNCE_KEY), inherited by this one too.
        @Option(names = "--private-key", paramLabel = "FILE", required = true, description = "PEM private key, not encrypted") final Path key)
        throws ApiClient.Failure
    {
        final BounceCtl root = domains.root;
        final JsonNode answer = root.client().call("PUT", "/api/v1/domains/" + domain + "/certificate",
            Map.of("certificate", read(cert, "--cert"), "privateKey", read(key, "--private-key")));
        root.print(answer, () -> root.out().println("certificate set for " + domain + ": " + describe(answer)));
        return 0;
    }

    @Command(name = "show", description = "Show a domain's certificates: issuer, serial, names, expiry, SHA-256 fingerprint.")
    int show(@Parameters(paramLabel = "DOMAIN", description = "the branded domain") final String domain) throws ApiClient.Failure
    {
        final BounceCtl root = domains.root;
        final JsonNode answer = root.client().call("GET", "/api/v1/domains/" + domain + "/certificate", null);
        root.print(answer, () ->
        {
            if (answer.get("certificates").isEmpty())
            {
                root.out().println(domain + " has no certificate");
            }
            for (final JsonNode certificate : answer.get("certificates"))
            {
                root.out().println(describe(certificate));
            }
        });
        return 0;
    }

    static String describe(final JsonNode c)
    {
        return c.get("keyType").asText() + " " + c.get("names") + ", issuer " + c.get("issuer").asText() + ", serial " +
            c.get("serial").asText() + ", valid until " + c.get("notAfter").asText() + ", sha256 " + c.get("sha256").asText();
    }

    private static String read(final Path file, final String option) throws ApiClient.Failure
    {
        try
        {
            return Files.readString(file, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            throw new ApiClient.Failure(0, option + ": cannot read " + file + " (" + ex.getMessage() + ")", 0, 2);
        }
    }
}
