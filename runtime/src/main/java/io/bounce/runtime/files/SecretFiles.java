package io.bounce.runtime.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets kept in files (admin keys, fleet tokens): created readable by the owner alone (mode 0600)
 * before a byte is written, so a secret is never on disk with wider permissions, not even for a moment.
 */
public final class SecretFiles
{
    /** The shortest token accepted from a file or an option. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFiles()
    {
    }

    /**
     * @return what {@code file} holds, stripped of surrounding white space.
     * @throws IOException if others than its owner may read it (it says to chmod 0600), or it cannot be read.
     */
    public static String readOwnerOnly(final Path file) throws IOException
    {
        final java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ) ||
            mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ))
        {
            throw new IOException(file + " may be read by others than its owner: chmod 0600 it");
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /** Replace {@code file} with {@code secret} and a newline, mode 0600. */
    public static void write(final Path file, final String secret) throws IOException
    {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * The token in {@code file}, created (256 random bits, URL-safe base64, mode 0600) the first time.
     *
     * @throws IOException if the file exists but holds no token of {@value #MIN_TOKEN_LENGTH} characters or more.
     */
    public static String readOrCreateToken(final Path file) throws IOException
    {
        if (Files.exists(file))
        {
            final String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (token.length() >= MIN_TOKEN_LENGTH)
            {
                return token;
            }
            throw new IOException(file + " holds no usable token (" + MIN_TOKEN_LENGTH + " characters or more)");
        }
        final byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        final String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        write(file, token);
        return token;
    }
}
