package io.bounce.edge.clicks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SipHashTest
{
    /** The reference implementation's key: bytes 00 to 0f. */
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    @Test
    void matchesTheReferenceVectors()
    {
        final byte[] message = new byte[64];
        for (int i = 0; i < message.length; i++)
        {
            message[i] = (byte)i;
        }
        // vectors.h of the reference implementation (github.com/veorq/SipHash), as little-endian words:
        assertEquals(0x726fdb47dd0e0e31L, new SipHash().hash(K0, K1, message, 0, 0), "empty message");
        assertEquals(0x74f839c593dc67fdL, new SipHash().hash(K0, K1, message, 0, 1), "00");
        assertEquals(0x0d6c8009d9a94f5aL, new SipHash().hash(K0, K1, message, 0, 2), "00 01");
        assertEquals(0x85676696d7fb7e2dL, new SipHash().hash(K0, K1, message, 0, 3), "00 01 02");
        assertEquals(0xa129ca6149be45e5L, new SipHash().hash(K0, K1, message, 0, 15), "00..0e: the paper's worked example");
    }

    @Test
    void readsOnlyItsRangeOfTheArray()
    {
        final byte[] padded = {9, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 9, 9};
        assertEquals(0xa129ca6149be45e5L, new SipHash().hash(K0, K1, padded, 2, 15));
    }
}
