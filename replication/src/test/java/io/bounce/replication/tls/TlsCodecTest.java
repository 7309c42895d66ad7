package io.bounce.replication.tls;

import java.util.Arrays;
import java.util.List;

import io.bounce.replication.log.ReplicationFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsCodecTest
{
    private static final String CHAIN = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    @Test
    void shouldRoundTripEachKind()
    {
        final DomainPolicy policy = new DomainPolicy(12, "go.example.com", true, 31_536_000, true, true, false);
        assertEquals(policy, roundTrip(policy));
        final DomainPolicy plain = new DomainPolicy(13, "bnc.to", false, 0, false, false, true);
        assertEquals(plain, roundTrip(plain));

        final CertificateRecord certificate = new CertificateRecord(14, "go.example.com", "RSA", "0f".repeat(32), 1_900_000_000_000L,
            CHAIN, new byte[] {9, 8, 7, 6});
        final CertificateRecord back = (CertificateRecord)roundTrip(certificate);
        assertEquals(certificate.chainPem(), back.chainPem());
        assertArrayEquals(certificate.sealedKey(), back.sealedKey());
        assertEquals(certificate.notAfterMs(), back.notAfterMs());
        assertEquals("cert.go.example.com.rsa", back.key());

        final TicketKeys keys = new TicketKeys(15, List.of(new TicketKeys.Key(2, new byte[76]), new TicketKeys.Key(1, new byte[] {5})));
        final TicketKeys keysBack = (TicketKeys)roundTrip(keys);
        assertEquals(15, keysBack.sequence());
        assertEquals(List.of(2L, 1L), keysBack.keys().stream().map(TicketKeys.Key::id).toList());
        assertArrayEquals(new byte[] {5}, keysBack.keys().get(1).sealed());

        final AcmeChallenge challenge = new AcmeChallenge(16, "go.example.com", "tok-EN_1", "tok-EN_1.thumb_print-2", 99_000);
        assertEquals(challenge, roundTrip(challenge));
        assertTrue(challenge.liveAt(98_999));
        assertFalse(challenge.liveAt(99_000));
        final AcmeChallenge withdrawn = AcmeChallenge.withdrawn(17, "go.example.com");
        assertEquals(withdrawn, roundTrip(withdrawn));
        assertFalse(withdrawn.liveAt(0));
        final DomainPolicy removal = DomainPolicy.removal(18, "go.example.com");
        assertEquals(removal, roundTrip(removal));
        assertTrue(((DomainPolicy)roundTrip(removal)).removed());
    }

    @Test
    void shouldRefuseAChallengeThatIsNotBase64url()
    {
        assertThrows(IllegalArgumentException.class, () -> new AcmeChallenge(1, "a.to", "a/../b", "a/../b.x", 1));
        assertThrows(IllegalArgumentException.class, () -> new AcmeChallenge(1, "a.to", "tok", "other.x", 1));
        assertThrows(IllegalArgumentException.class, () -> new AcmeChallenge(1, "a.to", "tok", "tok.<script>", 1));
    }

    @Test
    void shouldShapeTheHstsValueFromTheOptIns()
    {
        assertEquals("max-age=600", new DomainPolicy(1, "a.to", true, 600, false, false, false).hstsValue());
        assertEquals("max-age=63072000; includeSubDomains; preload",
            new DomainPolicy(1, "a.to", true, 63_072_000, true, true, false).hstsValue());
        assertNull(new DomainPolicy(1, "a.to", false, 600, true, true, false).hstsValue(), "no HSTS without httpsOnly");
    }

    @Test
    void shouldRefuseWhatCouldEscapeTheEdgesDirectoryOrTheFrame()
    {
        // A domain is a file name at the edge: the decoder holds it to the link rules.
        final byte[] bytes = TlsCodec.encode(new DomainPolicy(1, "ab.to", true, 600, false, false, false));
        final byte[] evil = Arrays.copyOf(bytes, bytes.length);
        evil[bytes.length - 5] = '.';
        evil[bytes.length - 4] = '.';
        evil[bytes.length - 3] = '/';
        assertThrows(IllegalArgumentException.class, () -> TlsCodec.decode(ReplicationFormat.TYPE_DOMAIN_POLICY, evil, 0, evil.length));
        final byte[] upper = Arrays.copyOf(bytes, bytes.length);
        upper[bytes.length - 1] = 'O';
        assertThrows(IllegalArgumentException.class, () -> TlsCodec.decode(ReplicationFormat.TYPE_DOMAIN_POLICY, upper, 0, upper.length));
        // Cut short, bytes left over, a newer version, the wrong frame type.
        assertThrows(IllegalArgumentException.class, () -> TlsCodec.decode(ReplicationFormat.TYPE_DOMAIN_POLICY, bytes, 0, bytes.length - 1));
        final byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> TlsCodec.decode(ReplicationFormat.TYPE_DOMAIN_POLICY, longer, 0, longer.length));
        final byte[] newer = Arrays.copyOf(bytes, bytes.length);
        newer[0] = 2;
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> TlsCodec.decode(ReplicationFormat.TYPE_DOMAIN_POLICY, newer, 0, newer.length));
        assertTrue(ex.getMessage().contains("version 2"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsCodec.decode(ReplicationFormat.TYPE_RECORD, bytes, 0, bytes.length));
        // A chain larger than a frame may carry is refused at encoding, not cut.
        assertThrows(IllegalArgumentException.class, () -> TlsCodec.encode(new CertificateRecord(1, "ab.to", "EC", "00".repeat(32), 0,
            "A".repeat(CertificateRecord.MAX_CHAIN_BYTES + 1), new byte[1])));
        assertTrue(TlsCodec.MAX_ENCODED_LENGTH <= ReplicationFormat.MAX_PAYLOAD);
    }

    @Test
    void shouldNeverPrintAKey()
    {
        final CertificateRecord certificate = new CertificateRecord(14, "go.example.com", "EC", "0f".repeat(32), 0, CHAIN,
            "SEALEDKEYBYTES".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertFalse(certificate.toString().contains("SEALED"));
        assertFalse(new TicketKeys.Key(1, new byte[] {65, 65, 65}).toString().contains("AAA"));
    }

    private static TlsRecord roundTrip(final TlsRecord record)
    {
        final byte[] bytes = TlsCodec.encode(record);
        final byte[] framed = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, framed, 5, bytes.length);
        return TlsCodec.decode(record.frameType(), framed, 5, bytes.length);
    }
}
