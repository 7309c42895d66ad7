package io.bounce.runtime.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets at rest (certificates' private keys in the store and in an edge's data dir) with a
 * key-encryption key the operator keeps apart from the data: AES-256-GCM, a fresh 96-bit nonce per
 * seal, and associated data that binds each sealed value to what it belongs to (a domain and a
 * certificate's fingerprint), so a value copied onto another row does not open. A stolen database
 * or data dir without the key file reveals no key.
 *
 * <pre>
 *   sealed value:  0      1            13
 *                  +------+------------+----------------------------+
 *                  | 0x01 | nonce (12) | ciphertext + GCM tag (16)  |
 *                  +------+------------+----------------------------+
 * </pre>
 */
public final class SecretBox
{
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private SecretBox(final byte[] key)
    {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * Read a key-encryption key: 32 random bytes as base64 text (what {@link #createKeyFile} writes).
     *
     * @throws IOException if the file cannot be read, holds no 32-byte key, or others than its owner may read it.
     */
    public static SecretBox fromKeyFile(final Path file) throws IOException
    {
        if (!Files.isRegularFile(file))
        {
            throw new IOException(file + " is not there (make one with: head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE)");
        }
        final String text = SecretFiles.readOwnerOnly(file);
        final byte[] key;
        try
        {
            key = Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IOException(file + " holds no base64 key (make one with: head -c 32 /dev/urandom | base64)");
        }
        if (key.length != 32)
        {
            throw new IOException(file + " holds a " + key.length + "-byte key; a key-encryption key is 32 bytes (AES-256)");
        }
        return new SecretBox(key);
    }

    /** Write a new random key-encryption key to {@code file} (mode 0600): for development stacks only. */
    public static void createKeyFile(final Path file) throws IOException
    {
        final byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        SecretFiles.write(file, Base64.getEncoder().encodeToString(key));
    }

    /** @return {@code secret} sealed, bound to {@code context}. */
    public byte[] seal(final byte[] secret, final String context)
    {
        try
        {
            final byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            final byte[] sealed = cipher.doFinal(secret);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("AES-GCM is part of every JDK: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the secret {@code sealed} holds.
     * @throws IOException if it was sealed with another key or for another context, or has been altered.
     */
    public byte[] open(final byte[] sealed, final String context) throws IOException
    {
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION)
        {
            throw new IOException("not a sealed secret of version " + VERSION);
        }
        try
        {
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IOException("the sealed secret does not open with this key-encryption key (another key, or altered)");
        }
    }
}
