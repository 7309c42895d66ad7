package io.bounce.edge.clicks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The load balancers and proxies whose {@code X-Forwarded-For} is believed: CIDR blocks. The client
 * is the rightmost address in the header that is not itself a trusted proxy; with an untrusted peer
 * (or no header) the client is the peer. Only IP literals are read: nothing here ever resolves a name.
 */
final class TrustedProxies
{
    private static final Pattern IP_LITERAL = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]{1,44}");

    private record Block(byte[] network, int prefixBits)
    {
    }

    private final List<Block> blocks = new ArrayList<>();

    /** @param cidrs e.g. {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address. */
    TrustedProxies(final List<String> cidrs)
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

    boolean isEmpty()
    {
        return blocks.isEmpty();
    }

    boolean contains(final byte[] address, final int length)
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
