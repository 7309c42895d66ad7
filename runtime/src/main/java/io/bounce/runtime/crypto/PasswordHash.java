package io.bounce.runtime.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Passwords kept as argon2id hashes (RFC 9106) in the PHC string format every argon2 library reads:
 * {@code $argon2id$v=19$m=7168,t=5,p=1$SALT$HASH} (unpadded base64). The KDF is BouncyCastle's. New hashes use one of
 * OWASP's equivalent recommendations for argon2id (7 MiB, 5 passes, 1 lane: the same work as 19 MiB and 2 passes, in a
 * third of the memory, so a check on an edge sweeps less of the cache the event loops share), a 16-byte salt and a
 * 32-byte hash; a check reads the parameters from the string, so hashes made with other parameters keep working.
 * Stateless.
 *
 * <p>A check costs what the parameters say (tens of milliseconds and their memory): never run one on an event loop.
 */
public final class PasswordHash
{
    public static final int MEMORY_KIB = 7 * 1024;
    public static final int ITERATIONS = 5;
    public static final int PARALLELISM = 1;
    /** Bounds a stored hash's parameters must keep, so no string can make a check cost more than this. */
    public static final int MAX_MEMORY_KIB = 256 * 1024;
    public static final int MAX_ITERATIONS = 16;
    public static final int MAX_PARALLELISM = 4;
    private static final String PREFIX = "$argon2id$v=19$";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODE = Base64.getDecoder();

    private PasswordHash()
    {
    }

    /** @return the PHC string of {@code password} (its UTF-8 bytes) under a fresh salt and the default parameters. */
    public static String hash(final String password)
    {
        final byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        final byte[] hash = argon2id(password.getBytes(StandardCharsets.UTF_8), salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES, null);
        return PREFIX + "m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt) + "$" +
            B64.encodeToString(hash);
    }

    /**
     * @param phc      a string {@link #hash} made (or any argon2id v19 PHC string within the bounds).
     * @param password the candidate's UTF-8 bytes.
     * @return true if it is the password; false for any other, and for a malformed or out-of-bounds {@code phc}.
     */
    public static boolean verify(final String phc, final byte[] password)
    {
        return verify(phc, password, null);
    }

    /**
     * {@link #verify(String, byte[])} with the KDF's memory (1 KiB blocks, {@link #MEMORY_KIB} of them by default) taken
     * from {@code pool} and given back to it, so a process that checks passwords often allocates that memory once, not
     * per check (where a young collection during a check would copy all of it).
     *
     * @param pool a pool from {@link #blockPool()}, or null to allocate.
     */
    public static boolean verify(final String phc, final byte[] password, final Argon2BytesGenerator.BlockPool pool)
    {
        final Parsed parsed = parse(phc);
        if (parsed == null)
        {
            return false;
        }
        final byte[] candidate = argon2id(password, parsed.salt, parsed.memoryKib, parsed.iterations, parsed.parallelism, parsed.hash.length,
            pool);
        return MessageDigest.isEqual(candidate, parsed.hash);
    }

    /** @return a pool that keeps the memory of one check with the default parameters between checks (thread-safe). */
    public static Argon2BytesGenerator.BlockPool blockPool()
    {
        return new Argon2BytesGenerator.FixedBlockPool(MEMORY_KIB);
    }

    /** @return true if {@code phc} is an argon2id v19 PHC string within the bounds ({@link #verify} can check against it). */
    public static boolean isWellFormed(final String phc)
    {
        return parse(phc) != null;
    }

    private record Parsed(int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash)
    {
    }

    private static Parsed parse(final String phc)
    {
        if (phc == null || !phc.startsWith(PREFIX) || phc.length() > 256)
        {
            return null;
        }
        final String[] parts = phc.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3)
        {
            return null;
        }
        int memory = -1;
        int iterations = -1;
        int parallelism = -1;
        try
        {
            for (final String parameter : parts[0].split(",", -1))
            {
                if (parameter.length() < 3 || parameter.length() > 11 || parameter.charAt(1) != '=')
                {
                    return null;
                }
                final int value = Integer.parseInt(parameter.substring(2));
                switch (parameter.charAt(0))
                {
                    case 'm' -> memory = value;
                    case 't' -> iterations = value;
                    case 'p' -> parallelism = value;
                    default -> { return null; }
                }
            }
            final byte[] salt = B64_DECODE.decode(parts[1]);
            final byte[] hash = B64_DECODE.decode(parts[2]);
            if (iterations < 1 || iterations > MAX_ITERATIONS || parallelism < 1 || parallelism > MAX_PARALLELISM ||
                memory < 8 * parallelism || memory > MAX_MEMORY_KIB || salt.length < 8 || salt.length > 64 || hash.length < 16 ||
                hash.length > 64)
            {
                return null;
            }
            return new Parsed(memory, iterations, parallelism, salt, hash);
        }
        catch (final IllegalArgumentException ex) // NumberFormatException too
        {
            return null;
        }
    }

    private static byte[] argon2id(final byte[] password, final byte[] salt, final int memoryKib, final int iterations, final int parallelism,
        final int length, final Argon2BytesGenerator.BlockPool pool)
    {
        final Argon2BytesGenerator generator = new Argon2BytesGenerator();
        final Argon2Parameters.Builder parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withSalt(salt)
            .withMemoryAsKB(memoryKib)
            .withIterations(iterations)
            .withParallelism(parallelism);
        if (pool != null)
        {
            parameters.withBlockPool(pool);
        }
        generator.init(parameters.build());
        final byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }
}
