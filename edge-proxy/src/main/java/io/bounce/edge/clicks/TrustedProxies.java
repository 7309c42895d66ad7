package io.bounce.edge.clicks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.netty.buffer.ByteBuf;

/**
 * The load balancers and proxies whose {@code X-Forwarded-For} is believed: CIDR blocks. The client
 * is the rightmost address in the header that is not itself a trusted proxy; with an untrusted peer
 * (or no header) the client is the peer. Only IP literals are read: nothing here ever resolves a name.
 * Immutable once built; any thread. Two readings of the header: {@link #client(byte[], int, String)} for the click
 * writer, and {@link #client(ByteBuf, int, int, byte[], int, byte[], byte[])}, the same answer without allocating, for link
 * rules on an event loop.
 */
public final class TrustedProxies
{
    private static final Pattern IP_LITERAL = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]{1,44}");

    private record Block(byte[] network, int prefixBits)
    {
    }

    private final List<Block> blocks = new ArrayList<>();

    /** @param cidrs e.g. {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address. */
    public TrustedProxies(final List<String> cidrs)
    {
        for (final String cidr : cidrs)
        {
            final String trimmed = cidr.trim();
            if (trimmed.isEmpty())
            {
                continue;
            }
            final int slash = trimmed.indexOf('/');
            final byte[] network = literal(slash < 0 ? trimmed : trimmed.substring(0, slash));
            if (network == null)
            {
                throw new IllegalArgumentException("not an IP address or CIDR block: " + cidr);
            }
            final int bits = slash < 0 ? network.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
            if (bits < 0 || bits > network.length * 8)
            {
                throw new IllegalArgumentException("bad prefix length in " + cidr);
            }
            blocks.add(new Block(network, bits));
        }
    }

    public boolean isEmpty()
    {
        return blocks.isEmpty();
    }

    public boolean contains(final byte[] address, final int length)
    {
        for (final Block block : blocks)
        {
            if (block.network().length != length)
            {
                continue;
            }
            int bits = block.prefixBits();
            boolean match = true;
            for (int i = 0; bits > 0; i++, bits -= 8)
            {
                final int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
                if ((address[i] & mask) != (block.network()[i] & mask))
                {
                    match = false;
                    break;
                }
            }
            if (match)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the client's address: from {@code forwardedFor} when the peer is trusted, else the peer.
     */
    byte[] client(final byte[] peer, final int peerLength, final String forwardedFor)
    {
        if (forwardedFor.isEmpty() || !contains(peer, peerLength))
        {
            return java.util.Arrays.copyOf(peer, peerLength);
        }
        final String[] hops = forwardedFor.split(",");
        byte[] client = java.util.Arrays.copyOf(peer, peerLength);
        for (int i = hops.length - 1; i >= 0; i--)
        {
            final byte[] hop = literal(hops[i].trim());
            if (hop == null)
            {
                break; // garbage: stop at the last address we could read
            }
            client = hop;
            if (!contains(hop, hop.length))
            {
                break;
            }
        }
        return client;
    }

    /**
     * The client's address, as {@link #client(byte[], int, String)} finds it, from the {@code X-Forwarded-For} value at
     * {@code [start, end)} of {@code in} ({@code start < 0}: no header), without allocating.
     *
     * @param out 16 bytes, where the address goes.
     * @param hop 16 bytes of scratch.
     * @return the address's length in {@code out}: 4 or 16.
     */
    public int client(final ByteBuf in, final int start, final int end, final byte[] peer, final int peerLength, final byte[] out,
        final byte[] hop)
    {
        System.arraycopy(peer, 0, out, 0, peerLength);
        int length = peerLength;
        if (start < 0 || end <= start || !contains(peer, peerLength))
        {
            return length;
        }
        int hopEnd = end;
        boolean trailing = true; // as String.split: empty hops at the end are no hops
        while (hopEnd >= start)
        {
            int hopStart = hopEnd - 1;
            while (hopStart >= start && in.getByte(hopStart) != ',')
            {
                hopStart--;
            }
            if (trailing && hopStart + 1 == hopEnd)
            {
                hopEnd = hopStart;
                continue;
            }
            trailing = false;
            final int n = IpLiterals.parse(in, hopStart + 1, hopEnd, hop);
            if (n < 0)
            {
                break; // garbage: stop at the last address we could read
            }
            System.arraycopy(hop, 0, out, 0, n);
            length = n;
            if (!contains(hop, n))
            {
                break;
            }
            hopEnd = hopStart;
        }
        return length;
    }

    /** @return the bytes of an IP literal, or null if {@code text} is not one. */
    static byte[] literal(final String text)
    {
        if (!IP_LITERAL.matcher(text).matches())
        {
            return null;
        }
        try
        {
            return InetAddress.getByName(text).getAddress(); // a literal: no lookup happens
        }
        catch (final UnknownHostException ex)
        {
            return null;
        }
    }
}
