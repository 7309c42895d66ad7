package io.bounce.edge.clicks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The event loops' reading of X-Forwarded-For (no allocation) gives the click writer's answer (the JDK's literals). */
class TrustedProxiesTest
{
    private final TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"));

    @Test
    void readsLiteralsAsTheJdkDoes()
    {
        for (final String text : List.of("1.2.3.4", " 10.0.0.1 ", "255.255.255.255", "0.0.0.0", "::1", "::", "2001:db8::8:800:200c:417a",
            "1:2:3:4:5:6:7:8", "1::", "1:2:3:4:5:6:7::", "::ffff:192.0.2.1", "::192.0.2.1", "fe80::1:2", "2001:DB8:0:0:8:800:200C:417A",
            "64:ff9b::192.0.2.33"))
        {
            final byte[] out = new byte[16];
            final int n = IpLiterals.parse(bytes(text), 0, text.length(), out);
            assertArrayEquals(TrustedProxies.literal(text.trim()), Arrays.copyOf(out, n), text);
        }
        for (final String text : List.of("", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4a", "a.b.c.d", ":", ":::", "1:::2", "1::2::3",
            "1:2:3:4:5:6:7:8:9", "12345::1", "g::1", "1.2.3.4:80", "example.com", "1:2:3:4:5:6:7:1.2.3.4", "::1:"))
        {
            assertEquals(-1, IpLiterals.parse(bytes(text), 0, text.length(), new byte[16]), text);
        }
    }

    @Test
    void findsTheSameClientAsTheClickWriter()
    {
        final Random random = new Random(11);
        final List<String> hops = List.of("10.1.2.3", "10.9.9.9", "192.0.2.7", "198.51.100.4", "203.0.113.9", "2001:db8::1",
            "2001:db9::1", "::ffff:10.0.0.5", "garbage", "", " ");
        final byte[][] peers = {{10, 0, 0, 1}, {(byte)192, 0, 2, 7}, {(byte)203, 0, 113, 1}};
        final byte[] out = new byte[16];
        final byte[] hop = new byte[16];
        for (int i = 0; i < 5_000; i++)
        {
            final StringBuilder header = new StringBuilder();
            final int count = random.nextInt(5);
            for (int h = 0; h < count; h++)
            {
                header.append(h == 0 ? "" : random.nextBoolean() ? ", " : ",").append(hops.get(random.nextInt(hops.size())));
            }
            final byte[] peer = peers[random.nextInt(peers.length)];
            final String xff = header.toString();
            final byte[] expected = proxies.client(peer, 4, xff);
            final int n = proxies.client(bytes(xff), xff.isEmpty() ? -1 : 0, xff.length(), peer, 4, out, hop);
            assertArrayEquals(expected, Arrays.copyOf(out, n), "X-Forwarded-For: " + xff + " from " + Arrays.toString(peer));
        }
    }

    private static ByteBuf bytes(final String text)
    {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }
}
