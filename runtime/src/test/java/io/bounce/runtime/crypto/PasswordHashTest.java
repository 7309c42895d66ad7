package io.bounce.runtime.crypto;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordHashTest
{
    @Test
    void rightPasswordVerifiesAndOthersDoNot()
    {
        final String phc = PasswordHash.hash("correct horse");
        assertTrue(phc.startsWith("$argon2id$v=19$m=7168,t=5,p=1$"), phc);
        assertFalse(phc.contains("correct"), phc);
        assertTrue(PasswordHash.verify(phc, "correct horse".getBytes(StandardCharsets.UTF_8)));
        assertFalse(PasswordHash.verify(phc, "correct hors".getBytes(StandardCharsets.UTF_8)));
        assertFalse(PasswordHash.verify(phc, new byte[0]));
        assertNotEquals(phc, PasswordHash.hash("correct horse"), "a fresh salt each time");
        final var pool = PasswordHash.blockPool();
        for (int i = 0; i < 3; i++)
        {
            // the pooled memory is cleared and reused: the same answers every time
            assertTrue(PasswordHash.verify(phc, "correct horse".getBytes(StandardCharsets.UTF_8), pool));
            assertFalse(PasswordHash.verify(phc, "correct hors".getBytes(StandardCharsets.UTF_8), pool));
        }
    }

    @Test
    void readsTheReferenceImplementationsString()
    {
        // made by the reference implementation's CLI (Debian's argon2): echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e
        final String reference = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo";
        assertTrue(PasswordHash.verify(reference, "password".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PasswordHash.verify(reference, "Password".getBytes(StandardCharsets.US_ASCII)));
        // with the parameters hash() uses: echo -n "correct horse" | argon2 saltsaltsalt -id -t 5 -k 7168 -p 1 -l 32 -e
        assertTrue(PasswordHash.verify("$argon2id$v=19$m=7168,t=5,p=1$c2FsdHNhbHRzYWx0$qQNP+T963fJl4yGhdg6Pt3D61xvfkeDzoSo7alQ54l0",
            "correct horse".getBytes(StandardCharsets.UTF_8)));
        // and with OWASP's other choice: echo -n "correct horse" | argon2 saltsaltsalt -id -t 2 -k 19456 -p 1 -l 32 -e
        assertTrue(PasswordHash.verify("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$sDq4SJydHwxWnLTlXqq5ZzNDfmXrJUlaeTohxQaFrio",
            "correct horse".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void malformedOrCostlyStringsAreRefusedWithoutRunningTheKdf()
    {
        final byte[] any = "x".getBytes(StandardCharsets.US_ASCII);
        for (final String bad : new String[] {null, "", "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=99,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=2,p=1$!!$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$c2hvcnQ"})
        {
            assertFalse(PasswordHash.isWellFormed(bad), String.valueOf(bad));
            assertFalse(PasswordHash.verify(bad, any), String.valueOf(bad));
        }
        assertEquals(true, PasswordHash.isWellFormed(PasswordHash.hash("x")));
    }
}
