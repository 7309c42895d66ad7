package io.bounce.edge.http;

import io.bounce.edge.replica.LinkReplica;
import io.bounce.replication.link.LinkRules;
import io.netty.buffer.ByteBuf;

/** The replica's key a request asks for: {@code domain/code}, from its Host and path. Stateless; any thread. */
final class RequestKeys
{
    private final LinkReplica replica;
    private final byte[] defaultDomain;

    RequestKeys(final LinkReplica replica, final byte[] defaultDomain)
    {
        this.replica = replica;
        this.defaultDomain = defaultDomain;
    }

    /**
     * Fill the start of {@code key} with the domain a request is for: its Host (lower-cased, port stripped)
     * when it is a domain the replica knows, else the default domain.
     *
     * @return the domain's length.
     */
    int domain(final ByteBuf in, final RequestHeadParser request, final byte[] key)
    {
        final int hostLength = host(in, request, key);
        if (hostLength > 0 && replica.isKnownDomain(key, 0, hostLength))
        {
            return hostLength;
        }
        System.arraycopy(defaultDomain, 0, key, 0, defaultDomain.length);
        return defaultDomain.length;
    }

    /**
     * Fill the start of {@code key} with the request's Host, lower-cased, its port and a trailing dot stripped,
     * whether or not a link is on it (an ACME challenge is for a domain that may have none yet).
     *
     * @return its length, or -1 without a Host or with one longer than a domain may be.
     */
    int host(final ByteBuf in, final RequestHeadParser request, final byte[] key)
    {
        if (request.hostStart < 0)
        {
            return -1;
        }
        int hostEnd = request.hostEnd;
        // Strip the port: the last ':' after any IPv6 literal's ']'.
        for (int i = hostEnd - 1; i >= request.hostStart; i--)
        {
            final byte b = in.getByte(i);
            if (b == ':')
            {
                hostEnd = i;
                break;
            }
            if (b < '0' || b > '9')
            {
                break;
            }
        }
        if (hostEnd > request.hostStart && in.getByte(hostEnd - 1) == '.')
        {
            hostEnd--; // "bnc.to." is "bnc.to"
        }
        final int hostLength = hostEnd - request.hostStart;
        if (hostLength <= 0 || hostLength > LinkRules.MAX_DOMAIN_LENGTH)
        {
            return -1;
        }
        for (int i = 0; i < hostLength; i++)
        {
            key[i] = RequestHeadParser.toLower(in.getByte(request.hostStart + i));
        }
        return hostLength;
    }

    /**
     * Complete {@code key}, whose first {@code domainLength} bytes are the {@link #domain}, to {@code domain/code}.
     *
     * @return the key's length, or -1 if the path cannot be a code (so the answer is 404 without a lookup).
     */
    int code(final ByteBuf in, final int codeStart, final int codeLength, final byte[] key, final int domainLength)
    {
        if (codeLength < 1 || codeLength > LinkRules.MAX_CODE_LENGTH)
        {
            return -1;
        }
        for (int i = codeStart, end = codeStart + codeLength; i < end; i++)
        {
            if (!LinkRules.isCodeChar(in.getByte(i)))
            {
                return -1;
            }
        }
        key[domainLength] = '/';
        in.getBytes(codeStart, key, domainLength + 1, codeLength);
        return domainLength + 1 + codeLength;
    }
}
