package io.bounce.control.domains;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.bounce.control.Audit;
import io.bounce.control.domains.acme.AcmeClient;
import io.bounce.control.domains.acme.AcmeIssuer;
import io.bounce.control.domains.acme.AcmeOptions;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.store.AcmeQueries;
import io.bounce.control.store.CertificateQueries;
import io.bounce.control.store.Queries;
import io.bounce.control.store.Store;
import io.bounce.control.store.TlsQueries;
import io.bounce.replication.link.LinkRules;
import io.bounce.replication.tls.DomainPolicy;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.http.Problem;
import io.bounce.runtime.agent.Agents;
import io.bounce.runtime.tls.DevelopmentCa;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.EpochClock;

/**
 * Branded domains: the rules for adding and removing one, written through the store's one writer like every other
 * change, and the in-memory {@link Domains} view reloaded after each commit. A domain's certificates are uploaded
 * ({@code manual}) or got and renewed by ACME ({@code auto}: {@link AcmeIssuer}).
 */
public final class DomainService implements AutoCloseable
{
    public static final String MANUAL = "manual";
    public static final String AUTO = "auto";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DomainService.class);

    private final Store store;
    private final Domains domains;
    private final CertificateService certificates;
    private final EpochClock clock;
    /** Gets certificates for {@code auto} domains; null without a key to seal them, or while the development CA issues. */
    private final AcmeIssuer acme;

    /**
     * @param secrets       seals certificates' private keys; null when the control plane has none (uploads refused).
     * @param developmentCa issues a certificate for every domain (development only: {@code bounce up}), or null.
     * @param acmeOptions   the ACME CA and pace, for domains added with {@code https: auto}.
     */
    public DomainService(final Store store, final String defaultDomain, final SecretBox secrets, final EpochClock clock,
        final DevelopmentCa developmentCa, final AcmeOptions acmeOptions)
    {
        this.store = store;
        this.clock = clock;
        this.domains = new Domains(defaultDomain);
        this.certificates = new CertificateService(store, domains, secrets, clock, developmentCa);
        this.acme = secrets == null || (developmentCa != null && !acmeOptions.directoryGiven()) ? null
            : new AcmeIssuer(acmeOptions, new AcmeClient(acmeOptions, store, secrets), store, new AcmeIssuer.Issuance()
            {
                @Override
                public java.security.cert.X509Certificate current(final String domain) throws Exception
                {
                    return certificates.currentLeaf(domain);
                }

                @Override
                public void store(final String domain, final String chainPem, final byte[] pkcs8Key) throws Exception
                {
                    certificates.storeIssued(domain, chainPem, pkcs8Key).join();
                }
            }, clock);
    }

    /** Start issuing and renewing ACME certificates (nothing without ACME). */
    public void startAcme(final Agents agents) throws Exception
    {
        if (acme != null)
        {
            acme.start(agents);
        }
    }

    /**
     * The certificates' health, whoever issued them (read from the store when scraped, at most every 10 s), and the
     * ACME issuer's metrics where it runs.
     */
    public void register(final PrometheusRegistry registry)
    {
        io.bounce.runtime.admin.Metrics.gauge(registry, "bounce_certificates_expiring_7d",
            "Certificates of live domains (uploaded or ACME) that expire within 7 days.", () -> health().expiringSoon());
        io.bounce.runtime.admin.Metrics.gauge(registry, "bounce_acme_renewals_failing",
            "Domains with a certificate whose last ACME renewal attempt failed.", () -> health().failingRenewals());
        if (acme != null)
        {
            acme.register(registry);
        }
    }

    private record Health(long atMs, double expiringSoon, double failingRenewals)
    {
    }

    private volatile Health health = new Health(Long.MIN_VALUE / 2, 0, 0);

    private Health health()
    {
        final long now = clock.time();
        Health current = health;
        if (now - current.atMs() >= 10_000)
        {
            try
            {
                current = store.readers().read(c -> new Health(now,
                    AcmeQueries.countExpiringBefore(c, now + java.time.Duration.ofDays(7).toMillis()), AcmeQueries.countFailingRenewals(c)));
            }
            catch (final java.sql.SQLException ex)
            {
                current = new Health(now, Double.NaN, Double.NaN);
            }
            health = current;
        }
        return current;
    }

    @Override
    public void close()
    {
        if (acme != null)
        {
            acme.close();
        }
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
            if (acme != null && state(name).auto())
            {
                continue; // ACME's to renew
            }
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


    /** A domain added: its name, how it gets certificates, and the DNS records its owner must set to point it at the fleet. */
    public record Added(String name, String https, List<String> dnsRecords)
    {
    }

    /**
     * Add a branded domain.
     *
     * @param https {@code manual} (null: certificates are uploaded, or come from the development CA) or {@code auto} (ACME).
     * @return the domain, once committed and visible to link rules.
     * @throws Problem 400 for a name that is missing or not a domain or an unknown mode, 409 for one that exists or
     *                 for {@code auto} on a control plane without {@code --secrets-key-file}.
     */
    public CompletableFuture<Added> add(final ApiKey who, final String name, final String https)
    {
        if (name == null)
        {
            throw Problem.badRequest("domain-required", "name is required");
        }
        final boolean auto = AUTO.equals(https);
        if (https != null && !auto && !MANUAL.equals(https))
        {
            throw Problem.badRequest("https-mode", "https must be auto (certificates by ACME) or manual (uploaded)");
        }
        if (auto && acme == null && !certificates.hasDevelopmentCa())
        {
            throw Problem.conflict("acme-unavailable", "this control plane has no --secrets-key-file: certificates' keys are stored " +
                "only sealed with it, so it gets none by ACME until one is configured");
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
            if (auto)
            {
                AcmeQueries.setMode(txn.connection(), name, AUTO, txn.now());
            }
            return name;
        }).thenApply(added ->
        {
            reloadOrFail();
            Audit.change("domain.add", who).addKeyValue("domain", added).addKeyValue("https", auto ? AUTO : MANUAL).log();
            if (auto && acme != null)
            {
                acme.wake();
            }
            return new Added(added, auto ? AUTO : MANUAL, acme == null ? List.of() : acme.dnsInstructions(added));
        }).thenCompose(added -> (acme != null && auto ? CompletableFuture.completedFuture(null)
            : certificates.issueFromDevelopmentCa(who, added.name())).handle((issued, failure) ->
        {
            if (failure != null)
            {
                LOG.error("domain {} added, but the development CA could not issue its certificate: {}", added.name(), failure.toString());
            }
            return added;
        }));
    }

    /**
     * @return the domain's HTTPS state: how it gets certificates and, for {@code auto}, where issuance stands.
     * @throws Problem 404 for an unknown domain.
     */
    public AcmeQueries.State state(final String name) throws java.sql.SQLException
    {
        final AcmeQueries.State state = store.readers().read(c -> AcmeQueries.state(c, name));
        if (state == null)
        {
            throw Problem.notFound("no domain " + Problem.echo(name));
        }
        return state;
    }

    /**
     * Renew an {@code auto} domain's certificate now.
     *
     * @throws Problem 404 for an unknown domain, 409 for a {@code manual} one or without ACME.
     */
    public void renew(final ApiKey who, final String name) throws Exception
    {
        final AcmeQueries.State state = state(name);
        if (!state.auto() || acme == null)
        {
            throw Problem.conflict("not-acme", "domain " + name + " does not get its certificates by ACME here: upload a new one instead");
        }
        acme.renew(name);
        Audit.change("domain.renew", who).addKeyValue("domain", name).log();
    }

    /**
     * Remove a branded domain: every edge drops its certificates and stops serving it over HTTPS, through the change log.
     *
     * @throws Problem 404 for an unknown domain; 409 for the default domain or one that still has links.
     */
    public CompletableFuture<String> remove(final ApiKey who, final String name)
    {
        if (name != null && name.equals(domains.defaultDomain()))
        {
            throw Problem.conflict("default-domain", "the default domain cannot be removed");
        }
        return store.writer().submit(txn ->
        {
            if (AcmeQueries.state(txn.connection(), name) == null)
            {
                throw Problem.notFound("no domain " + Problem.echo(name));
            }
            final long links = AcmeQueries.countLiveLinks(txn.connection(), name);
            if (links > 0)
            {
                throw Problem.conflict("domain-has-links", "domain " + name + " still has " + links + " links; delete them first");
            }
            AcmeQueries.remove(txn.connection(), name, txn.now());
            txn.append(DomainPolicy.removal(txn.nextSequence(), name));
            return name;
        }).thenApply(removed ->
        {
            reloadOrFail();
            Audit.change("domain.remove", who).addKeyValue("domain", removed).log();
            return removed;
        });
    }

    public List<String> names()
    {
        return domains.names();
    }

    public String defaultDomain()
    {
        return domains.defaultDomain();
    }

    /** Load the domains afresh: what another control plane committed (this one does not lead), or a new leader's first look. */
    public void refresh() throws java.sql.SQLException
    {
        reload();
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
