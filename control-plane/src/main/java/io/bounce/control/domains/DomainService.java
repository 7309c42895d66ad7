package io.bounce.control.domains;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.bounce.control.Audit;
import io.bounce.control.keys.ApiKey;
import io.bounce.control.store.Queries;
import io.bounce.control.store.Store;
import io.bounce.replication.link.LinkRules;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.http.Problem;
import org.agrona.concurrent.EpochClock;

/**
 * Branded domains: the rules for adding one, written through the store's one writer like every other
 * change, and the in-memory {@link Domains} view reloaded after each commit.
 */
public final class DomainService
{
    private final Store store;
    private final Domains domains;
    private final CertificateService certificates;

    /** @param secrets seals certificates' private keys; null when the control plane has none (uploads refused). */
    public DomainService(final Store store, final String defaultDomain, final SecretBox secrets, final EpochClock clock)
    {
        this.store = store;
        this.domains = new Domains(defaultDomain);
        this.certificates = new CertificateService(store, domains, secrets, clock);
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

    /** Make sure the configured default domain is in the store, then load every domain. Called once at start. */
    public void start() throws Exception
    {
        store.writer().call(txn -> Queries.insertDomain(txn.connection(), domains.defaultDomain(), true, txn.now()));
        reload();
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
