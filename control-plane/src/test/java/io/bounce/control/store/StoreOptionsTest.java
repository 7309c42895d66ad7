package io.bounce.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --store}: the forms taken, the password only from a file its owner alone may read, never in the URL. */
class StoreOptionsTest
{
    @TempDir
    Path dir;

    @Test
    void shouldTakeAPostgresqlUrlAndThePasswordFromAPrivateFile() throws Exception
    {
        assertFalse(options().postgres(), "SQLite by default");
        final Path password = dir.resolve("password");
        Files.writeString(password, "s3cret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        final StoreOptions store = options("--store", "postgresql://bounce@db.example:5433/links", "--store-password-file", password.toString());
        assertTrue(store.postgres());
        assertEquals("jdbc:postgresql://db.example:5433/links", store.jdbcUrl());
        assertEquals("bounce", store.user());
        assertEquals("s3cret", store.password());
        assertFalse(store.toString().contains("s3cret"), "never the password");
        assertEquals("jdbc:postgresql://db/x?user=u", options("--store", "jdbc:postgresql://db/x?user=u").jdbcUrl());

        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
        final IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
            () -> options("--store", "postgresql://bounce@db/links", "--store-password-file", password.toString()));
        assertTrue(open.getMessage().contains("chmod 0600"), open.getMessage());
        assertThrows(IllegalArgumentException.class, () -> options("--store", "postgresql://bounce:pw@db/links"), "no password in the URL");
        assertThrows(IllegalArgumentException.class, () -> options("--store", "mysql://bounce@db/links"));
        assertThrows(IllegalArgumentException.class, () -> options("--store-password-file", password.toString()), "only with --store");
    }

    private static StoreOptions options(final String... args)
    {
        final StoreOptions options = new StoreOptions();
        new CommandLine(options).parseArgs(args);
        options.conclude();
        return options;
    }
}
