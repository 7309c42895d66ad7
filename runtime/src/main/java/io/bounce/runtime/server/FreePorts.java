package io.bounce.runtime.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports that are free now, for a process that must be told its port before it starts (a
 * child of {@code bounce up}, a process a test kills and restarts on the same port). They are chosen
 * below the kernel's ephemeral range, which outgoing connections draw their source ports from: a port
 * picked there can be taken by any client connection in the moment between the pick and the child's
 * bind (seen: a child of {@code bounce up} failed to bind while a test suite ran beside it).
 */
public final class FreePorts
{
    private static final int LOWEST = 10_000;

    private FreePorts()
    {
    }

    /** @return {@code n} distinct ports, each bindable on loopback at the moment it was checked. */
    public static int[] pick(final int n) throws IOException
    {
        final int below = ephemeralLow();
        final Set<Integer> taken = new HashSet<>();
        final int[] ports = new int[n];
        for (int i = 0; i < n; i++)
        {
            ports[i] = pickOne(below, taken);
            taken.add(ports[i]);
        }
        return ports;
    }

    private static int pickOne(final int below, final Set<Integer> taken) throws IOException
    {
        for (int attempt = 0; attempt < 200 && below > LOWEST; attempt++)
        {
            final int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (!taken.contains(port) && isFree(port))
            {
                return port;
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort(); // no room below the ephemeral range: take one from it
        }
    }

    private static boolean isFree(final int port)
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** @return the low end of the kernel's ephemeral port range (Linux), or 32768, its usual value. */
    private static int ephemeralLow()
    {
        try
        {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return 32_768;
        }
    }
}
