package io.bounce.control.domains;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.bounce.control.Audit;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.store.CertificateQueries;
import io.bounce.control.store.Queries;
import io.bounce.control.store.Store;
import io.bounce.control.store.TlsQueries;
import io.bounce.replication.link.LinkRules;
import io.bounce.replication.tls.DomainPolicy;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.tls.DevelopmentCa;
import org.agrona.concurrent.EpochClock;

/**
 * Branded domains: the rules for adding one, written through the store's one writer like every other
 * change, and the in-memory {@link Domains} view reloaded after each commit.
 */
public final class DomainService
{
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DomainService.class);

    private final Store store;
    private final Domains domains;
    private final CertificateService certificates;
    private final EpochClock clock;

    /**
     * @param secrets       seals certificates' private keys; null when the control plane has none (uploads refused).
     * @param developmentCa issues a certificate for every domain (development only: {@code bounce up}), or null.
     */
    public DomainService(final Store store, final String defaultDomain, final SecretBox secrets, final EpochClock clock,
        final DevelopmentCa developmentCa)
    {
        this.store = store;
        this.clock = clock;
        this.domains = new Domains(defaultDomain);
        this.certificates = new CertificateService(store, domains, secrets, clock, developmentCa);
    }

    /** The domains' certificates. */
    public CertificateService certificates()
    {
        return certificates;
    }

    /** The domains as link rules see them: held in memory, current as of the last commit that changed them. */
    public Domains domains()
    {
        return domains;
    }

    /**
     * Make sure the configured default domain is in the store, hand the edges what no change has carried yet
     * (the default domain's policy, which names the default certificate, and certificates stored before the
     * change log carried them), then load every domain. Called once at start.
     */
    public void start() throws Exception
    {
        store.writer().call(txn ->
        {
            Queries.insertDomain(txn.connection(), domains.defaultDomain(), true, txn.now());
            for (final DomainPolicy policy : TlsQueries.policies(txn.connection(), false))
            {
                if (policy.defaultCertificate() || policy.httpsOnly())
                {
                    final DomainPolicy logged = withSequence(policy, txn.nextSequence());
                    TlsQueries.setPolicy(txn.connection(), logged);
                    txn.append(logged);
                }
            }
            for (final CertificateQueries.Row row : CertificateQueries.unlogged(txn.connection()))
            {
                CertificateQueries.setSeq(txn.connection(), row.domain(), row.keyType(), txn.nextSequence());
                txn.append(new CertificateQueries.Row(row.domain(), row.keyType(), row.chainPem(), row.sealedKey(), row.fingerprint(),
                    row.notAfterMs(), row.createdAtMs(), txn.nextSequence()).toRecord());
            }
            return null;
        });
        reload();
        if (!certificates.hasDevelopmentCa())
        {
            return;
        }
        // With a development CA, every domain has a certificate from it that is good for a month more at least.
        final long renewBefore = clock.time() + java.time.Duration.ofDays(30).toMillis();
        for (final String name : domains.names())
        {
            if (certificates.list(name).stream().noneMatch(c -> c.keyType().equals("EC") && c.notAfter().toEpochMilli() > renewBefore))
            {
                certificates.issueFromDevelopmentCa(null, name).join();
            }
        }
    }

    /** What {@code PATCH /api/v1/domains/{domain}} may change; a null field is left as it is. */
    public record PolicyChange(Boolean httpsOnly, Long hstsMaxAge, Boolean hstsIncludeSubDomains, Boolean hstsPreload)
    {
    }

    /**
     * @return the domain's HTTPS policy.
     * @throws Problem 404 for an unknown domain.
     */
    public DomainPolicy policy(final String name) throws java.sql.SQLException
    {
        final DomainPolicy policy = store.readers().read(c -> TlsQueries.policy(c, name));
        if (policy == null)
        {
            throw Problem.notFound("no domain " + Problem.echo(name));
        }
        return policy;
    }

    /**
     * Change a domain's HTTPS policy: stored and appended to the change log in one transaction, so every edge
     * answers by it within the usual propagation time.
     *
     * @throws Problem 404 for an unknown domain; 422 for a max-age out of range or a preload the HSTS preload
     *                 list would refuse (it needs httpsOnly, includeSubDomains and a max-age of a year or more).
     */
    public CompletableFuture<DomainPolicy> update(final ApiKey who, final String name, final PolicyChange change)
    {
        if (change.hstsMaxAge() != null && (change.hstsMaxAge() < 0 || change.hstsMaxAge() > DomainPolicy.MAX_HSTS_MAX_AGE_SECONDS))
        {
            throw Problem.unprocessable("hsts-max-age",
                "hstsMaxAge must be 0 to " + DomainPolicy.MAX_HSTS_MAX_AGE_SECONDS + " seconds (two years)");
        }
        return store.writer().submit(txn ->
        {
            final DomainPolicy current = TlsQueries.policy(txn.connection(), name);
            if (current == null)
            {
                throw Problem.notFound("no domain " + Problem.echo(name));
            }
            final DomainPolicy next = new DomainPolicy(txn.nextSequence(), name,
                change.httpsOnly() != null ? change.httpsOnly() : current.httpsOnly(),
                change.hstsMaxAge() != null ? change.hstsMaxAge() : current.hstsMaxAgeSeconds(),
                change.hstsIncludeSubDomains() != null ? change.hstsIncludeSubDomains() : current.hstsIncludeSubDomains(),
                change.hstsPreload() != null ? change.hstsPreload() : current.hstsPreload(),
                current.defaultCertificate());
            if (next.hstsPreload() && (!next.httpsOnly() || !next.hstsIncludeSubDomains() ||
                next.hstsMaxAgeSeconds() < DomainPolicy.DEFAULT_HSTS_MAX_AGE_SECONDS))
            {
                throw Problem.unprocessable("hsts-preload",
                    "hstsPreload needs httpsOnly, hstsIncludeSubDomains and an hstsMaxAge of at least " +
                    DomainPolicy.DEFAULT_HSTS_MAX_AGE_SECONDS + " (what the HSTS preload list requires)");
            }
            TlsQueries.setPolicy(txn.connection(), next);
            txn.append(next);
            return next;
        }).thenApply(policy ->
        {
            Audit.change("domain.update", who).addKeyValue("domain", name).addKeyValue("httpsOnly", policy.httpsOnly())
                .addKeyValue("hsts", policy.hstsValue()).log();
            return policy;
        });
    }

    private static DomainPolicy withSequence(final DomainPolicy policy, final long sequence)
    {
        return new DomainPolicy(sequence, policy.domain(), policy.httpsOnly(), policy.hstsMaxAgeSeconds(), policy.hstsIncludeSubDomains(),
            policy.hstsPreload(), policy.defaultCertificate());
    }


    /**
     * Add a branded domain.
     *
     * @return the name, once committed and visible to link rules.
     * @throws Problem 400 for a name that is missing or not a domain, 409 for one that exists.
     */
    public CompletableFuture<String> add(final ApiKey who, final String name)
    {
        if (name == null)
        {
            throw Problem.badRequest("domain-required", "name is required");
        }
        final String problem = LinkRules.checkDomain(name);
        if (problem != null)
        {
            throw Problem.badRequest("domain-format", problem);
        }
        return store.writer().submit(txn ->
        {
            if (!Queries.insertDomain(txn.connection(), name, false, txn.now()))
            {
                throw Problem.conflict("domain-exists", "domain " + name + " already exists");
            }
            return name;
        }).thenApply(added ->
        {
            reloadOrFail();
            Audit.change("domain.add", who).addKeyValue("domain", added).log();
            return added;
        }).thenCompose(added -> certificates.issueFromDevelopmentCa(who, added).handle((issued, failure) ->
        {
            if (failure != null)
            {
                LOG.error("domain {} added, but the development CA could not issue its certificate: {}", added, failure.toString());
            }
            return added;
        }));
    }

    public List<String> names()
    {
        return domains.names();
    }

    public String defaultDomain()
    {
        return domains.defaultDomain();
    }

    private void reload() throws java.sql.SQLException
    {
        store.readers().read(c ->
        {
            domains.reload(c);
            return null;
        });
    }

    private void reloadOrFail()
    {
        try
        {
            reload();
        }
        catch (final java.sql.SQLException ex)
        {
            throw new CompletionException(ex);
        }
    }
}
