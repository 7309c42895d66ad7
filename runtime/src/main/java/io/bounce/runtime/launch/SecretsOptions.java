package io.bounce.runtime.launch;

import java.io.IOException;
import java.nio.file.Path;

import io.bounce.runtime.files.SecretBox;
import picocli.CommandLine.Option;

/**
 * The fleet's key-encryption key (mixed into the control plane's and the edge's configuration): the control
 * plane seals certificates' private keys and session-ticket keys with it, in its store and in the change log;
 * an edge opens what the change log brings with the same file.
 */
public final class SecretsOptions
{
    @Option(names = "--secrets-key-file", paramLabel = "FILE",
        description = "The fleet's key-encryption key (32 random bytes, base64; mode 0600), the same file at the control plane " +
            "and every edge: it seals certificates' private keys and the session-ticket keys in the store and the change log, " +
            "and opens them, in memory only, at the edges. Keep it apart from the data dir: a stolen database or replica alone " +
            "then reveals no key. Without it, the control plane takes no certificate and an edge serves only --tls-cert and --tls-dir.")
    Path file;

    private SecretBox secrets;

    /** Read the key once; throws {@link IllegalArgumentException} naming the option and what is wrong. */
    public void conclude()
    {
        if (file == null)
        {
            return;
        }
        try
        {
            secrets = SecretBox.fromKeyFile(file);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--secrets-key-file: " + ex.getMessage());
        }
    }

    /** @return the key read from {@code --secrets-key-file}, or null without one. */
    public SecretBox secrets()
    {
        return secrets;
    }
}
