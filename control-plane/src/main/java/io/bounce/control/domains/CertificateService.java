package io.bounce.control.domains;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.bounce.control.Audit;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.store.CertificateQueries;
import io.bounce.control.store.Store;
import io.bounce.replication.tls.CertificateRecord;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.tls.DevelopmentCa;
import io.bounce.runtime.tls.ServerCertificate;
import org.agrona.concurrent.EpochClock;

/**
 * A branded domain's certificates, uploaded by an admin: checked (the chain parses, the key is the leaf's,
 * its names cover the domain, it is valid now), then stored with the private key sealed by the
 * {@code --secrets-key-file} key, and appended to the change log in the same transaction, key still sealed, so
 * every edge serves it from its next handshake on. One certificate per key type, so a domain may hold an ECDSA
 * and an RSA one; a new upload of a type replaces the old. What is answered and logged is metadata only.
 */
public final class CertificateService
{
    /** What may be shown of a stored certificate: everything but its key. */
    /** How long a development CA's certificate lasts: what a public CA gives (the control plane issues again at start). */
    static final Duration DEVELOPMENT_VALIDITY = Duration.ofDays(90);

    public record Metadata(String domain, String keyType, String subject, String issuer, String serial, List<String> names,
        Instant notBefore, Instant notAfter, String fingerprint, Instant uploadedAt)
    {
    }

    private final Store store;
    private final Domains domains;
    private final SecretBox secrets;
    private final EpochClock clock;
    private final DevelopmentCa developmentCa;

    /**
     * @param secrets       seals private keys; null when the control plane has no {@code --secrets-key-file} (uploads are refused).
     * @param developmentCa issues a certificate for each domain added (development only), or null.
     */
    public CertificateService(final Store store, final Domains domains, final SecretBox secrets, final EpochClock clock,
        final DevelopmentCa developmentCa)
    {
        this.developmentCa = developmentCa;
        this.store = store;
        this.domains = domains;
        this.secrets = secrets;
        this.clock = clock;
    }

    /**
     * Check and store a certificate for {@code domain}.
     *
     * @throws Problem 404 for an unknown domain; 422 for a chain that does not parse, a key that is not its
     *                 leaf's, names that do not cover the domain, or one expired or not yet valid; 409 without a
     *                 key-encryption key.
     */
    public CompletableFuture<Metadata> put(final ApiKey who, final String domain, final String chainPem, final String keyPem)
    {
        if (!domains.contains(domain))
        {
            throw Problem.notFound("no domain " + Problem.echo(domain) + "; add it first (POST /api/v1/domains)");
        }
        if (chainPem == null || keyPem == null)
        {
            throw Problem.badRequest("certificate-required", "certificate (PEM chain, leaf first) and privateKey (PEM) are both required");
        }
        if (secrets == null)
        {
            throw Problem.conflict("secrets-key-missing", "this control plane has no --secrets-key-file: private keys are stored only " +
                "sealed with that key, so it takes no certificates until one is configured");
        }
        final ServerCertificate certificate;
        try
        {
            certificate = ServerCertificate.parse(chainPem, keyPem);
        }
        catch (final ServerCertificate.Refused ex)
        {
            throw Problem.unprocessable("certificate-" + ex.reason(), ex.getMessage());
        }
        return store(who, domain, certificate, chainPem);
    }

    /** @return true if certificates come from a local development CA ({@code --development-ca}) as domains are added. */
    public boolean hasDevelopmentCa()
    {
        return developmentCa != null && secrets != null;
    }

    /**
     * Issue a certificate for a domain just added from the local development CA ({@code --development-ca}, as
     * {@code bounce up} runs it) and store it as an upload is stored; nothing without a development CA.
     */
    public CompletableFuture<?> issueFromDevelopmentCa(final ApiKey who, final String domain)
    {
        if (!hasDevelopmentCa())
        {
            return CompletableFuture.completedFuture(null);
        }
        try
        {
            final DevelopmentCa.Issued issued = developmentCa.issue(List.of(domain), "EC", DEVELOPMENT_VALIDITY);
            return store(who, domain, ServerCertificate.parse(issued.chainPem(), issued.keyPem()), issued.chainPem());
        }
        catch (final IOException | ServerCertificate.Refused ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /**
     * Store a certificate an ACME CA issued for the key in {@code pkcs8Key} (the issuer checked the leaf is that key's), as
     * an upload is stored; refused if the domain is gone meanwhile.
     */
    public CompletableFuture<Metadata> storeIssued(final String domain, final String chainPem, final byte[] pkcs8Key)
        throws ServerCertificate.Refused
    {
        if (!domains.contains(domain))
        {
            throw Problem.notFound("domain " + Problem.echo(domain) + " was removed while its certificate was issued");
        }
        return store(null, domain, ServerCertificate.fromPkcs8(chainPem, pkcs8Key), chainPem);
    }

    /** @return the leaf of the domain's EC certificate (what ACME issues and renews), or of any other, or null with none. */
    public X509Certificate currentLeaf(final String domain) throws SQLException, ServerCertificate.Refused
    {
        final List<CertificateQueries.Row> rows = store.readers().read(c -> CertificateQueries.forDomain(c, domain));
        CertificateQueries.Row chosen = null;
        for (final CertificateQueries.Row row : rows)
        {
            if (chosen == null || row.keyType().equals("EC"))
            {
                chosen = row;
            }
        }
        return chosen == null ? null : ServerCertificate.leafOf(chosen.chainPem());
    }

    private CompletableFuture<Metadata> store(final ApiKey who, final String domain, final ServerCertificate certificate,
        final String chainPem)
    {
        if (!certificate.covers(domain))
        {
            throw Problem.unprocessable("certificate-name-mismatch",
                "the certificate's names " + certificate.names() + " do not cover " + domain);
        }
        final Instant now = Instant.ofEpochMilli(clock.time());
        if (certificate.expiredAt(now))
        {
            throw Problem.unprocessable("certificate-expired", "the certificate expired at " + certificate.notAfter());
        }
        if (now.isBefore(certificate.leaf().getNotBefore().toInstant()))
        {
            throw Problem.unprocessable("certificate-not-yet-valid",
                "the certificate is valid from " + certificate.leaf().getNotBefore().toInstant());
        }
        final String chain = chainPem.strip() + "\n";
        if (chain.length() > CertificateRecord.MAX_CHAIN_BYTES)
        {
            throw Problem.unprocessable("certificate-chain-too-long", "the chain is " + chain.length() + " bytes of PEM; at most " +
                CertificateRecord.MAX_CHAIN_BYTES + " travel to the edges (leave the root out: clients have it)");
        }
        final byte[] sealed = secrets.seal(certificate.key().getEncoded(),
            CertificateRecord.sealingContext(domain, certificate.fingerprint()));
        return store.writer().submit(txn ->
        {
            // Stored and handed to the edges in one transaction: the change log carries the key as sealed here.
            final CertificateQueries.Row row = new CertificateQueries.Row(domain, certificate.keyType(), chain, sealed,
                certificate.fingerprint(), certificate.notAfter().toEpochMilli(), txn.now(), txn.nextSequence());
            CertificateQueries.put(txn.connection(), row);
            txn.append(row.toRecord());
            return txn.now();
        }).thenApply(at ->
        {
            Audit.change("certificate.put", who).addKeyValue("domain", domain).addKeyValue("keyType", certificate.keyType())
                .addKeyValue("fingerprint", certificate.fingerprint()).addKeyValue("notAfter", certificate.notAfter()).log();
            return metadata(domain, certificate.keyType(), certificate.leaf(), certificate.names(), certificate.fingerprint(),
                Instant.ofEpochMilli(at));
        });
    }

    /** @return the metadata of the domain's certificates (none: an empty list). */
    public List<Metadata> list(final String domain) throws SQLException
    {
        if (!domains.contains(domain))
        {
            throw Problem.notFound("no domain " + Problem.echo(domain));
        }
        final List<CertificateQueries.Row> rows = store.readers().read(c -> CertificateQueries.forDomain(c, domain));
        final List<Metadata> out = new ArrayList<>();
        for (final CertificateQueries.Row row : rows)
        {
            try
            {
                final X509Certificate leaf = ServerCertificate.leafOf(row.chainPem());
                out.add(metadata(domain, row.keyType(), leaf, ServerCertificate.dnsNames(leaf), row.fingerprint(),
                    Instant.ofEpochMilli(row.createdAtMs())));
            }
            catch (final ServerCertificate.Refused ex)
            {
                throw new IllegalStateException("a stored certificate chain of " + domain + " no longer parses: " + ex.getMessage());
            }
        }
        return out;
    }

    private static Metadata metadata(final String domain, final String keyType, final X509Certificate leaf, final List<String> names,
        final String fingerprint, final Instant uploadedAt)
    {
        return new Metadata(domain, keyType, leaf.getSubjectX500Principal().getName(), leaf.getIssuerX500Principal().getName(),
            leaf.getSerialNumber().toString(16), names, leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), fingerprint,
            uploadedAt);
    }

}
