package io.bounce.control.domains.acme;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URL;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import io.bounce.control.store.AcmeQueries;
import io.bounce.control.store.Store;
import io.bounce.runtime.files.SecretBox;
import io.bounce.runtime.tls.ClientTrust;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.math.ec.ECPoint;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.AcmeJsonResource;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.OrderBuilder;
import org.shredzone.acme4j.RenewalInfo;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.challenge.TokenChallenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.connector.Resource;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's ACME client, over acme4j (which does the JWS signing, nonces, polling with Retry-After, and
 * ARI): one account per directory, its EC P-256 key made once and stored sealed with the {@code --secrets-key-file}
 * key; and the order flow for one domain, its challenge handed to every edge by a {@link ChallengeRoute}.
 *
 * <p>Thread safety: {@link #order} may run on several threads at once (acme4j's session is thread-safe per login);
 * the login is made once, under this object's lock.
 */
public final class AcmeClient
{
    private static final Logger LOG = LoggerFactory.getLogger(AcmeClient.class);
    private static final Duration VALIDATION_TIMEOUT = Duration.ofMinutes(3);
    private static final java.util.Set<Status> DONE = EnumSet.of(Status.VALID, Status.INVALID);

    /** Where a challenge goes so that every edge answers it: the change log. */
    public interface ChallengeRoute
    {
        /** Publish a challenge for {@code domain}: returns once it is committed to the change log. */
        void publish(String domain, String token, String keyAuthorization, Instant expires) throws Exception;

        /** Withdraw the domain's challenge (the order is done with it, valid or not). */
        void withdraw(String domain) throws Exception;
    }

    /** An order's result: the chain in PEM, leaf first, and its new key in PKCS#8 (DER), the leaf's. */
    public record Issued(String chainPem, byte[] pkcs8Key)
    {
        @Override
        public String toString()
        {
            return "issued chain of " + chainPem.length() + " bytes"; // never the key
        }
    }

    /** An order that did not end in a certificate: the CA's reason, and when it asked to be tried again (or null). */
    public static final class Failure extends Exception
    {
        private final Instant retryAfter;

        Failure(final String reason, final Instant retryAfter, final Throwable cause)
        {
            super(reason, cause);
            this.retryAfter = retryAfter;
        }

        /** @return when the CA asked to be tried again, or null. */
        public Instant retryAfter()
        {
            return retryAfter;
        }
    }

    private final AcmeOptions options;
    private final Store store;
    private final SecretBox secrets;
    private final String directory;
    private Session session;
    private Login login;
    private volatile boolean renewalInfo;

    public AcmeClient(final AcmeOptions options, final Store store, final SecretBox secrets)
    {
        this.options = options;
        this.store = store;
        this.secrets = secrets;
        this.directory = options.directory().toString();
    }

    /** @return the directory's URL: the account and status are per directory. */
    public String directory()
    {
        return directory;
    }

    /**
     * Get a certificate for {@code domain}.
     *
     * @param replacing the certificate this one renews, or null: named to the CA when it offers ARI (RFC 9773).
     * @throws Failure with the CA's reason when the order, a challenge or the finalisation fails.
     */
    public Issued order(final String domain, final X509Certificate replacing, final ChallengeRoute route) throws Failure
    {
        try
        {
            final Login account = login();
            final OrderBuilder builder = account.getAccount().newOrder().domain(domain);
            if (replacing != null && renewalInfoOffered())
            {
                builder.replaces(replacing);
            }
            final Order order = builder.create();
            for (final Authorization authorization : order.getAuthorizations())
            {
                if (authorization.getStatus() != Status.VALID)
                {
                    authorize(domain, authorization, route);
                }
            }
            // Ready once every authorization is valid: most CAs say so at once, but it is the CA's to say.
            final Status ready = await(order, order::getStatus, EnumSet.of(Status.READY, Status.VALID, Status.INVALID));
            if (ready == Status.INVALID)
            {
                throw new Failure("order invalid" + order.getError().map(p -> ": " + describe(p)).orElse(""), null, null);
            }
            final KeyPair key = newKeyPair();
            order.execute(key);
            final Status status = await(order, order::getStatus, DONE);
            if (status != Status.VALID)
            {
                throw new Failure("order " + status.name().toLowerCase() + order.getError().map(p -> ": " + describe(p)).orElse(""), null,
                    null);
            }
            if (!order.getCertificate().getCertificate().getPublicKey().equals(key.getPublic()))
            {
                throw new Failure("the CA's certificate is not for the key of this order's request", null, null);
            }
            final StringWriter chain = new StringWriter();
            order.getCertificate().writeCertificate(chain);
            return new Issued(chain.toString(), key.getPrivate().getEncoded());
        }
        catch (final Failure ex)
        {
            throw ex;
        }
        catch (final org.shredzone.acme4j.exception.AcmeRateLimitedException ex)
        {
            throw new Failure("rate limited by the CA: " + describe(ex.getProblem()), ex.getRetryAfter().orElse(null), ex);
        }
        catch (final org.shredzone.acme4j.exception.AcmeServerException ex)
        {
            throw new Failure(describe(ex.getProblem()), null, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted", null, ex);
        }
        catch (final Exception ex)
        {
            throw new Failure(ex.getClass().getSimpleName() + ": " + ex.getMessage(), null, ex);
        }
    }

    /**
     * @return when the CA suggests renewing {@code certificate} (a random moment in its ARI window), or empty when the
     *         CA offers no renewal information.
     */
    public Optional<Instant> suggestedRenewal(final X509Certificate certificate)
    {
        try
        {
            if (!renewalInfoOffered())
            {
                return Optional.empty();
            }
            final RenewalInfo info = login().bindRenewalInfo(certificate);
            return info.getRandomProposal(null);
        }
        catch (final Exception ex)
        {
            LOG.info("ACME: no renewal information for {}: {}", certificate.getSubjectX500Principal(), ex.getMessage());
            return Optional.empty();
        }
    }

    private void authorize(final String domain, final Authorization authorization, final ChallengeRoute route) throws Exception
    {
        final TokenChallenge challenge = pick(authorization);
        final Instant expires = authorization.getExpires().orElse(Instant.now().plus(Duration.ofHours(1)));
        route.publish(domain, token(challenge), challenge.getAuthorization(), expires);
        try
        {
            if (options.challengeWaitMs() > 0)
            {
                Thread.sleep(options.challengeWaitMs()); // for the change to reach every edge
            }
            challenge.trigger();
            final Status status = await(challenge, challenge::getStatus, DONE);
            if (status != Status.VALID)
            {
                throw new Failure(challenge.getType() + " " + status.name().toLowerCase() +
                    challenge.getError().map(p -> ": " + describe(p)).orElse(""), null, null);
            }
        }
        finally
        {
            route.withdraw(domain);
        }
    }

    /**
     * Poll until one of {@code done}: at the CA's Retry-After when it gives one, else after 250 ms doubling to 3 s (acme4j's
     * own wait is 3 s flat, which puts seconds on a validation that takes a few hundred milliseconds).
     */
    private static Status await(final AcmeJsonResource resource, final java.util.function.Supplier<Status> status,
        final java.util.Set<Status> done) throws Exception
    {
        final long deadline = System.nanoTime() + VALIDATION_TIMEOUT.toNanos();
        long delayMs = 250;
        Status current = status.get();
        while (!done.contains(current))
        {
            if (System.nanoTime() > deadline)
            {
                throw new Failure("still " + current.name().toLowerCase() + " after " + VALIDATION_TIMEOUT.toSeconds() + " s", null, null);
            }
            final Optional<Instant> retryAfter = resource.fetch();
            current = status.get();
            if (done.contains(current))
            {
                break;
            }
            final long waitMs = retryAfter.map(at -> Duration.between(Instant.now(), at).toMillis()).orElse(delayMs);
            Thread.sleep(Math.max(0, Math.min(waitMs, 60_000)));
            delayMs = Math.min(delayMs * 2, 3_000);
        }
        return current;
    }

    private TokenChallenge pick(final Authorization authorization) throws Failure
    {
        final boolean alpnFirst = "tls-alpn-01".equals(options.challenge());
        final Optional<TokenChallenge> http = authorization.findChallenge(Http01Challenge.class).map(c -> (TokenChallenge)c);
        final Optional<TokenChallenge> alpn = authorization.findChallenge(TlsAlpn01Challenge.class).map(c -> (TokenChallenge)c);
        final Optional<TokenChallenge> chosen = alpnFirst ? alpn.or(() -> http) : http.or(() -> alpn);
        return chosen.orElseThrow(() -> new Failure("the CA offers neither http-01 nor tls-alpn-01 for " +
            authorization.getIdentifier().getDomain(), null, null));
    }

    /** The token: the key authorization's part before the dot (acme4j keeps the getter protected for TLS-ALPN-01). */
    private static String token(final Challenge challenge)
    {
        final String authorization = ((TokenChallenge)challenge).getAuthorization();
        return authorization.substring(0, authorization.indexOf('.'));
    }

    private boolean renewalInfoOffered() throws Exception
    {
        final boolean offered = session().resourceUrlOptional(Resource.RENEWAL_INFO).isPresent();
        renewalInfo = offered;
        return offered;
    }

    /** @return true if the CA's directory, as last read, offers renewal information (ARI); false before it was read. */
    public boolean renewalInfoKnownOffered()
    {
        return renewalInfo;
    }

    private synchronized Session session() throws IOException
    {
        if (session == null)
        {
            final SSLContext trust = options.caFile() == null ? null : ClientTrust.trusting(options.caFile());
            session = new Session(options.directory(), new GenericAcmeProvider()
            {
                @Override
                public HttpClient createHttpClient(final NetworkSettings settings)
                {
                    final HttpClient.Builder builder = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(settings.getTimeout()).proxy(settings.getProxySelector());
                    if (trust != null)
                    {
                        builder.sslContext(trust);
                    }
                    return builder.build();
                }
            });
        }
        return session;
    }

    /**
     * The account: its key from the store (made and stored sealed the first time, before the CA hears of it, so a
     * crash between the two finds the same key, and the CA the same account), registered once per directory.
     */
    synchronized Login login() throws Exception
    {
        if (login != null)
        {
            return login;
        }
        final String context = "bounce-acme-account-key:" + directory;
        AcmeQueries.Account stored = store.readers().read(c -> AcmeQueries.account(c, directory));
        final KeyPair key;
        if (stored == null)
        {
            key = newKeyPair();
            final AcmeQueries.Account fresh = new AcmeQueries.Account(null, secrets.seal(key.getPrivate().getEncoded(), context));
            store.writer().call(txn ->
            {
                AcmeQueries.putAccount(txn.connection(), directory, fresh, txn.now());
                return null;
            });
            stored = fresh;
        }
        else
        {
            key = keyPair(secrets.open(stored.sealedKey(), context));
        }
        if (stored.location() != null)
        {
            login = session().login(new URL(stored.location()), key);
            return login;
        }
        final AccountBuilder builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(key);
        if (options.email() != null)
        {
            builder.addEmail(options.email());
        }
        if (options.eabKeyId() != null)
        {
            builder.withKeyIdentifier(options.eabKeyId(), io.bounce.runtime.files.SecretFiles.readOwnerOnly(options.eabHmacKeyFile()));
        }
        final Login created = builder.createLogin(session());
        final AcmeQueries.Account registered = new AcmeQueries.Account(created.getAccountLocation().toString(), stored.sealedKey());
        store.writer().call(txn ->
        {
            AcmeQueries.putAccount(txn.connection(), directory, registered, txn.now());
            return null;
        });
        LOG.info("ACME: account {} at {}", created.getAccountLocation(), directory);
        login = created;
        return login;
    }

    static KeyPair newKeyPair() throws GeneralSecurityException
    {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** The account's key pair from its PKCS#8 private key (the public point recomputed: d times the generator). */
    private static KeyPair keyPair(final byte[] pkcs8) throws GeneralSecurityException
    {
        try
        {
            final KeyFactory factory = KeyFactory.getInstance("EC");
            final ECPrivateKey privateKey = (ECPrivateKey)factory.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            final ECNamedCurveParameterSpec curve = ECNamedCurveTable.getParameterSpec("secp256r1");
            final ECPoint q = curve.getG().multiply(privateKey.getS()).normalize();
            final PublicKey publicKey = factory.generatePublic(new ECPublicKeySpec(
                new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                privateKey.getParams()));
            return new KeyPair(publicKey, privateKey);
        }
        finally
        {
            Arrays.fill(pkcs8, (byte)0);
        }
    }

    private static String describe(final org.shredzone.acme4j.Problem problem)
    {
        final String type = problem.getType().toString().replace("urn:ietf:params:acme:error:", "");
        return type + problem.getDetail().map(d -> ": " + d).orElse("");
    }

}
