package io.bounce.control.domains.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.bounce.control.store.AcmeQueries;
import io.bounce.runtime.tls.DevelopmentCa;
import io.bounce.runtime.tls.ServerCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The issuer's rules that need no CA: which domain goes first, how long a failure waits, when a certificate is due. */
class AcmeIssuerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldTakeRenewalsSoonestToExpireFirstThenNewDomainsOldestFirst()
    {
        final List<AcmeQueries.State> due = new ArrayList<>(List.of(
            state("new-late", 500, 0), state("renew-later", 10, 9_000), state("new-early", 100, 0), state("renew-sooner", 20, 5_000)));
        due.sort(AcmeIssuer.PRIORITY);
        assertEquals(List.of("renew-sooner", "renew-later", "new-early", "new-late"), due.stream().map(AcmeQueries.State::domain).toList());
    }

    @Test
    void shouldDoubleTheWaitAfterEachFailureUpToTheMaximum()
    {
        final AcmeOptions options = options("--acme-retry-min-ms", "1000", "--acme-retry-max-ms", "8000");
        assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 8000L, 8000L),
            List.of(0, 1, 2, 3, 4, 40).stream().map(n -> AcmeIssuer.backoff(n, options)).toList());
    }

    @Test
    void shouldRenewAtTwoThirdsOfTheLifetime() throws Exception
    {
        final DevelopmentCa ca = DevelopmentCa.openOrCreate(dir.resolve("ca"));
        final DevelopmentCa.Issued issued = ca.issue(List.of("go.example"), "EC", Duration.ofDays(90));
        final X509Certificate leaf = ServerCertificate.parse(issued.chainPem(), issued.keyPem()).leaf();
        final long lifetime = leaf.getNotAfter().getTime() - leaf.getNotBefore().getTime();
        assertEquals(leaf.getNotBefore().getTime() + lifetime * 2 / 3, AcmeIssuer.twoThirds(leaf));
    }

    @Test
    void shouldRefuseOptionsThatCannotWork() throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> options("--acme-directory", "http://ca.example/dir"));
        assertThrows(IllegalArgumentException.class, () -> options("--acme-challenge", "dns-01"));
        assertThrows(IllegalArgumentException.class, () -> options("--acme-eab-kid", "kid"));
        assertThrows(IllegalArgumentException.class, () -> options("--public-addresses", "edge.example"));
        assertThrows(IllegalArgumentException.class, () -> options("--acme-retry-min-ms", "5000", "--acme-retry-max-ms", "1000"));
        assertEquals(AcmeOptions.LETS_ENCRYPT, options().directory().toString(), "Let's Encrypt production by default");
        final Path hmac = dir.resolve("eab.key");
        java.nio.file.Files.writeString(hmac, "c2VjcmV0");
        java.nio.file.Files.setPosixFilePermissions(hmac, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        final IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
            () -> options("--acme-eab-kid", "kid", "--acme-eab-hmac-key-file", hmac.toString()));
        assertTrue(open.getMessage().contains("chmod 0600"), open.getMessage());
        java.nio.file.Files.setPosixFilePermissions(hmac, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertEquals("kid", options("--acme-eab-kid", "kid", "--acme-eab-hmac-key-file", hmac.toString()).eabKeyId());
    }

    private static AcmeQueries.State state(final String domain, final long createdAtMs, final long notAfterMs)
    {
        return new AcmeQueries.State(domain, "auto", null, null, 0, 0, 0, createdAtMs, notAfterMs);
    }

    private static AcmeOptions options(final String... args)
    {
        final AcmeOptions options = new AcmeOptions();
        new CommandLine(options).parseArgs(args);
        options.conclude();
        return options;
    }
}
