package io.bounce.control.links;

import java.security.SecureRandom;

/**
 * Random, non-sequential codes of {@code length} base62 characters from a {@link SecureRandom}.
 * Collisions are resolved by the store's unique constraint and a retry (see the module README for the
 * odds); nothing about one code tells anything about another, so codes cannot be enumerated.
 */
public final class CodeGenerator
{
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private final SecureRandom random = new SecureRandom();
    private final int length;

    public CodeGenerator(final int length)
    {
        this.length = length;
    }

    /** Called from the writer thread only. */
    public String next()
    {
        final char[] code = new char[length];
        for (int i = 0; i < length; i++)
        {
            code[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(code);
    }
}
