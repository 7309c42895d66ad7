package io.bounce.edge.tls;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

import javax.net.ssl.SSLException;

import io.bounce.replication.log.ReplicationFormat;
import io.bounce.replication.tls.AcmeChallenge;
import io.bounce.replication.tls.CertificateRecord;
import io.bounce.replication.tls.DomainPolicy;
import io.bounce.replication.tls.TicketKeys;
import io.bounce.replication.tls.TlsCodec;
import io.bounce.replication.tls.TlsRecord;
import io.bounce.runtime.admin.Metrics;
import io.bounce.runtime.files.DurableFiles;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.tls.ServerCertificate;
import io.bounce.runtime.tls.ServerTls;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the change log says about TLS, kept by the edge: each domain's HTTPS policy, the certificates, the
 * fleet's session-ticket keys and the ACME challenges to answer. Each record is a file in {@code <data-dir>/tls/} holding its bytes as they
 * came (keys still sealed: a stolen data dir reveals none), written whole before the follower checkpoints
 * past it, so a restarted edge serves HTTPS from its own disk before it hears from the centre.
 *
 * <p>{@link #publish} hands the records to the serving side: certificates (keys opened in memory with the
 * {@code --secrets-key-file} key) to the HTTPS port's {@link ServerTls} as the {@code change-log} source, the
 * default domain's as the default when the edge has no {@code --tls-cert}, the ticket keys when it has no
 * {@code --tls-ticket-keys}, and the policies to the redirect path as a {@link DomainPolicies} table.
 *
 * <p>Thread safety: records are applied and published on the follower's thread (and at start);
 * {@link #policies()} is read by every event loop through one volatile reference.
 */
public final class TlsReplica
{
    public static final String DIRECTORY = TlsDirectory.DIRECTORY;
    private static final String SOURCE = "change-log";
    private static final Logger LOG = LoggerFactory.getLogger(TlsReplica.class);

    /** Why a record could not be served, for {@code bounce_edge_tls_records_unusable_total{reason}}. */
    enum Unusable
    {
        NO_SECRETS_KEY, UNSEAL_FAILED, CERTIFICATE_REFUSED, UNREADABLE_FILE
    }

    private final Path dataDir;
    private final ServerTls tls;
    private final SecretBox secrets;
    private final boolean ownDefault;
    private final boolean ownTicketKeys;
    private final Map<String, TlsRecord> records = new HashMap<>();
    /** Certificates opened before (or that failed to open: null), by record key: each version is opened once, not at every publish. */
    private final Map<String, Opened> opened = new HashMap<>();
    private final AtomicLongArray unusable = new AtomicLongArray(Unusable.values().length);
    private volatile DomainPolicies policies = DomainPolicies.EMPTY;
    private volatile AcmeChallenges challenges = AcmeChallenges.EMPTY;
    private volatile int[] counts = new int[4];
    private volatile long skipped;
    private boolean dirty = true;
    private boolean warnedNoSecrets;
    /** The sequence of the ticket keys last handed over (or found unusable). */
    private long ticketKeysTried = -1;

    private record Opened(String fingerprint, long sequence, ServerCertificate certificate)
    {
    }

    /**
     * @param tls           the HTTPS port's certificates, or null for an edge without one (policies still apply).
     * @param secrets       opens sealed keys; null: certificates and ticket keys are kept but not served.
     * @param ownDefault    the edge has {@code --tls-cert}: that stays the default certificate.
     * @param ownTicketKeys the edge has {@code --tls-ticket-keys}: those stay its ticket keys.
     */
    public TlsReplica(final Path dataDir, final ServerTls tls, final SecretBox secrets, final boolean ownDefault,
        final boolean ownTicketKeys)
    {
        this.dataDir = dataDir;
        this.tls = tls;
        this.secrets = secrets;
        this.ownDefault = ownDefault;
        this.ownTicketKeys = ownTicketKeys;
    }

    /** Read what the data dir holds (finishing a snapshot swap a crash interrupted) and publish it. */
    public TlsReplica open() throws IOException
    {
        load(TlsDirectory.open(dataDir));
        publish();
        return this;
    }

    private void load(final Path dir) throws IOException
    {
        records.clear();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.rec"))
        {
            for (final Path file : files)
            {
                try
                {
                    final byte[] bytes = Files.readAllBytes(file);
                    final TlsRecord record = TlsCodec.decode(typeOf(file.getFileName().toString()), bytes, 0, bytes.length);
                    records.put(record.key(), record);
                }
                catch (final IOException | IllegalArgumentException ex)
                {
                    unusable.incrementAndGet(Unusable.UNREADABLE_FILE.ordinal());
                    LOG.warn("TLS: skipped {}: {}", file.getFileName(), ex.getMessage());
                }
            }
        }
        dirty = true;
    }

    /**
     * Keep a record from the log unless one of its key at the same or a later sequence is held (a change
     * handed over again after a restart). Its file is whole on disk when this returns.
     */
    public void apply(final TlsRecord record) throws IOException
    {
        final TlsRecord held = records.get(record.key());
        if (held != null && held.sequence() >= record.sequence())
        {
            skipped++;
            return;
        }
        if (record instanceof DomainPolicy && ((DomainPolicy)record).removed())
        {
            dropDomain(((DomainPolicy)record).domain());
        }
        DurableFiles.writeAtomically(dataDir.resolve(DIRECTORY).resolve(fileName(record)), TlsCodec.encode(record));
        records.put(record.key(), record);
        dirty = true;
    }

    /** A domain removed: its certificates and its challenge go (the removal itself is kept, as its policy). */
    private void dropDomain(final String domain) throws IOException
    {
        final List<TlsRecord> gone = new ArrayList<>();
        for (final TlsRecord held : records.values())
        {
            if ((held instanceof CertificateRecord && ((CertificateRecord)held).domain().equals(domain)) ||
                (held instanceof AcmeChallenge && ((AcmeChallenge)held).domain().equals(domain)))
            {
                gone.add(held);
            }
        }
        for (final TlsRecord record : gone)
        {
            Files.deleteIfExists(dataDir.resolve(DIRECTORY).resolve(fileName(record)));
            records.remove(record.key());
        }
        DurableFiles.fsyncDirectory(dataDir.resolve(DIRECTORY));
    }

    /** A snapshot's TLS records, written beside the live ones; {@link #commitSnapshot} swaps them in. */
    public Path beginSnapshot() throws IOException
    {
        return TlsDirectory.begin(dataDir);
    }

    /** Write one of a snapshot's records into the directory {@link #beginSnapshot} made. */
    public static void put(final Path next, final TlsRecord record) throws IOException
    {
        Files.write(next.resolve(fileName(record)), TlsCodec.encode(record));
    }

    /** Make the snapshot's records the live ones (before the links' map is swapped: a crash between keeps newer TLS, never older). */
    public void commitSnapshot(final Path next) throws IOException
    {
        load(TlsDirectory.commit(dataDir, next));
    }

    /** Throw away an uncommitted snapshot's records. */
    public void abandonSnapshot(final Path next)
    {
        TlsDirectory.abandon(next);
    }

    /** Hand what changed since the last call to the serving side. Cheap when nothing did. */
    public void publish()
    {
        if (!dirty)
        {
            return;
        }
        dirty = false;
        final List<DomainPolicy> domainPolicies = new ArrayList<>();
        final List<CertificateRecord> certificates = new ArrayList<>();
        final List<AcmeChallenge> acme = new ArrayList<>();
        TicketKeys ticketKeys = null;
        for (final TlsRecord record : records.values())
        {
            if (record instanceof DomainPolicy)
            {
                if (!((DomainPolicy)record).removed())
                {
                    domainPolicies.add((DomainPolicy)record);
                }
            }
            else if (record instanceof AcmeChallenge)
            {
                acme.add((AcmeChallenge)record);
            }
            else if (record instanceof CertificateRecord)
            {
                certificates.add((CertificateRecord)record);
            }
            else
            {
                ticketKeys = (TicketKeys)record;
            }
        }
        policies = DomainPolicies.of(domainPolicies);
        publishChallenges(AcmeChallenges.of(acme, System.currentTimeMillis()));
        counts = new int[] {domainPolicies.size(), certificates.size(), ticketKeys == null ? 0 : ticketKeys.keys().size(),
            challenges.size()};
        publishCertificates(certificates, domainPolicies);
        if (ticketKeys != null && !ownTicketKeys && ticketKeys.sequence() != ticketKeysTried)
        {
            ticketKeysTried = ticketKeys.sequence(); // tried once a version: a failure is counted and logged once
            if (secrets == null)
            {
                cannotOpen();
            }
            else
            {
                publishTicketKeys(ticketKeys);
            }
        }
    }

    /** HTTP-01 answers go to the redirect path; TLS-ALPN-01 ones to the HTTPS port, which makes their certificates. */
    private void publishChallenges(final AcmeChallenges next)
    {
        challenges = next;
        if (tls == null)
        {
            return;
        }
        try
        {
            tls.setAcmeChallenges(next.alpnDigests());
        }
        catch (final SSLException ex)
        {
            LOG.error("TLS: no TLS-ALPN-01 answer for {}: {}", next.alpnDigests().keySet(), ex.getMessage());
        }
    }

    /** A sealed record this edge cannot open: it has no --secrets-key-file (counted, warned about once). */
    private void cannotOpen()
    {
        unusable.incrementAndGet(Unusable.NO_SECRETS_KEY.ordinal());
        if (!warnedNoSecrets)
        {
            warnedNoSecrets = true;
            LOG.warn("TLS: the change log brings certificates and ticket keys, sealed; without --secrets-key-file (the control " +
                "plane's key) this edge cannot open them and serves only --tls-cert and --tls-dir");
        }
    }

    private void publishCertificates(final List<CertificateRecord> certificates, final List<DomainPolicy> domainPolicies)
    {
        final List<ServerCertificate> serving = new ArrayList<>();
        final Map<String, List<ServerCertificate>> byDomain = new HashMap<>();
        certificates.sort(Comparator.comparing(CertificateRecord::key));
        for (final CertificateRecord record : certificates)
        {
            final ServerCertificate certificate = open(record);
            if (certificate != null)
            {
                serving.add(certificate);
                byDomain.computeIfAbsent(record.domain(), d -> new ArrayList<>()).add(certificate);
            }
        }
        opened.keySet().retainAll(certificates.stream().map(CertificateRecord::key).toList());
        if (tls == null)
        {
            return; // no HTTPS port (and so no key to open them with): kept, counted, not served
        }
        try
        {
            tls.replace(SOURCE, serving);
            if (!ownDefault)
            {
                for (final DomainPolicy policy : domainPolicies)
                {
                    if (policy.defaultCertificate() && byDomain.containsKey(policy.domain()))
                    {
                        tls.setDefault(byDomain.get(policy.domain()));
                    }
                }
            }
        }
        catch (final SSLException ex)
        {
            unusable.incrementAndGet(Unusable.CERTIFICATE_REFUSED.ordinal());
            LOG.error("TLS: the change log's certificates did not make a TLS context; serving the ones held before: {}", ex.getMessage());
        }
    }

    /**
     * @return the record's certificate with its key opened, or null when it cannot be. Each version of a record is
     *         opened once: the next publish reuses the certificate, or the failure, which was counted and logged once.
     */
    private ServerCertificate open(final CertificateRecord record)
    {
        final Opened before = opened.get(record.key());
        if (before != null && before.fingerprint().equals(record.fingerprint()) && before.sequence() == record.sequence())
        {
            return before.certificate();
        }
        opened.put(record.key(), new Opened(record.fingerprint(), record.sequence(), null));
        if (secrets == null)
        {
            cannotOpen();
            return null;
        }
        byte[] pkcs8 = null;
        try
        {
            pkcs8 = secrets.open(record.sealedKey(), CertificateRecord.sealingContext(record.domain(), record.fingerprint()));
            final ServerCertificate certificate = ServerCertificate.fromPkcs8(record.chainPem(), pkcs8);
            if (!certificate.fingerprint().equals(record.fingerprint()))
            {
                throw new ServerCertificate.Refused("the chain's leaf is not the one the record names");
            }
            opened.put(record.key(), new Opened(record.fingerprint(), record.sequence(), certificate));
            return certificate;
        }
        catch (final IOException ex)
        {
            unusable.incrementAndGet(Unusable.UNSEAL_FAILED.ordinal());
            LOG.error("TLS: {}: {}; is --secrets-key-file the control plane's?", record, ex.getMessage());
        }
        catch (final ServerCertificate.Refused ex)
        {
            unusable.incrementAndGet(Unusable.CERTIFICATE_REFUSED.ordinal());
            LOG.error("TLS: {} refused: {}", record, ex.getMessage());
        }
        finally
        {
            if (pkcs8 != null)
            {
                Arrays.fill(pkcs8, (byte)0);
            }
        }
        return null;
    }

    /** The newest key is published ahead and only opens; the second newest seals (the only one, at first). */
    private void publishTicketKeys(final TicketKeys ticketKeys)
    {
        final List<byte[]> keys = new ArrayList<>();
        try
        {
            for (final TicketKeys.Key key : ticketKeys.keys())
            {
                keys.add(secrets.open(key.sealed(), TicketKeys.sealingContext(key.id())));
            }
        }
        catch (final IOException ex)
        {
            unusable.incrementAndGet(Unusable.UNSEAL_FAILED.ordinal());
            LOG.error("TLS: the fleet's ticket keys do not open: {}; is --secrets-key-file the control plane's?", ex.getMessage());
            return;
        }
        if (keys.size() > 1)
        {
            keys.add(0, keys.remove(1));
        }
        tls.setTicketKeys(keys);
        keys.forEach(key -> Arrays.fill(key, (byte)0));
    }

    /** @return the HTTPS-only domains, for the redirect path. */
    public DomainPolicies policies()
    {
        return policies;
    }

    /** @return the ACME challenges to answer, for the redirect path. */
    public AcmeChallenges challenges()
    {
        return challenges;
    }

    /** @return records handed over again and skipped (the edge had them). */
    public long skipped()
    {
        return skipped;
    }

    public void register(final PrometheusRegistry registry)
    {
        registry.register(GaugeWithCallback.builder().name("bounce_edge_tls_records")
            .help("TLS records from the change log the edge holds: domain policies, certificates, ticket keys, live ACME challenges.")
            .labelNames("kind")
            .callback(callback ->
            {
                final int[] now = counts;
                callback.call(now[0], "domain_policy");
                callback.call(now[1], "certificate");
                callback.call(now[2], "ticket_key");
                callback.call(now[3], "acme_challenge");
            })
            .build());
        registry.register(io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("bounce_edge_tls_records_unusable_total")
            .help("TLS records from the change log the edge could not serve, by reason (no_secrets_key, unseal_failed, " +
                "certificate_refused, unreadable_file).")
            .labelNames("reason")
            .callback(callback ->
            {
                for (final Unusable reason : Unusable.values())
                {
                    callback.call(unusable.get(reason.ordinal()), reason.name().toLowerCase(java.util.Locale.ROOT));
                }
            })
            .build());
        Metrics.gauge(registry, "bounce_edge_https_only_domains", "Domains whose plain-HTTP requests get a 308 to HTTPS.",
            () -> policies.size());
    }

    private static String fileName(final TlsRecord record)
    {
        return record.key() + ".rec";
    }

    /** The frame type a record's file holds, from its name ({@link TlsRecord#key()} + {@code .rec}). */
    private static byte typeOf(final String fileName)
    {
        return fileName.startsWith("policy.") ? ReplicationFormat.TYPE_DOMAIN_POLICY
            : fileName.startsWith("cert.") ? ReplicationFormat.TYPE_CERTIFICATE
            : fileName.startsWith("acme.") ? ReplicationFormat.TYPE_ACME_CHALLENGE : ReplicationFormat.TYPE_TICKET_KEYS;
    }
}
