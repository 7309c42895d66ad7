package io.bounce.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import io.bounce.runtime.testing.Bytes;

/**
 * A TCP proxy on loopback that injects faults into what the server sends back: it cuts the first
 * {@code cuts} connections after {@code cutAfterBytes} bytes, and flips one byte of the first
 * occurrence of {@code corruptMarker} (once over its whole life). Everything else passes untouched.
 */
final class FaultyProxy implements AutoCloseable
{
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long cutAfterBytes;
    private final AtomicInteger cutsLeft;
    private final byte[] corruptMarker;
    private volatile boolean corrupted;
    final AtomicInteger cutsDone = new AtomicInteger();

    FaultyProxy(final InetSocketAddress target, final long cutAfterBytes, final int cuts, final byte[] corruptMarker) throws IOException
    {
        this.target = target;
        this.cutAfterBytes = cutAfterBytes;
        this.cutsLeft = new AtomicInteger(cuts);
        this.corruptMarker = corruptMarker;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread acceptor = new Thread(this::accept, "faulty-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url()
    {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    boolean corrupted()
    {
        return corrupted;
    }

    private void accept()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket client = server.accept();
                final Socket upstream = new Socket(target.getAddress(), target.getPort());
                final boolean cut = cutsLeft.getAndDecrement() > 0;
                pipe(client.getInputStream(), upstream.getOutputStream(), client, upstream, Long.MAX_VALUE, false);
                pipe(upstream.getInputStream(), client.getOutputStream(), client, upstream, cut ? cutAfterBytes : Long.MAX_VALUE, true);
            }
            catch (final IOException ex)
            {
                // closed, or the target is down: the client sees its connection drop
            }
        }
    }

    private void pipe(final InputStream in, final OutputStream out, final Socket a, final Socket b, final long limit, final boolean downstream)
    {
        final Thread thread = new Thread(() ->
        {
            final byte[] buffer = new byte[8192];
            long sent = 0;
            try
            {
                int n;
                while ((n = in.read(buffer)) > 0)
                {
                    if (downstream && corruptMarker != null && !corrupted)
                    {
                        final int at = Bytes.indexOf(buffer, n, corruptMarker);
                        if (at >= 0)
                        {
                            buffer[at + corruptMarker.length - 1] ^= 0x20;
                            corrupted = true;
                        }
                    }
                    if (sent + n >= limit)
                    {
                        out.write(buffer, 0, (int)(limit - sent));
                        out.flush();
                        cutsDone.incrementAndGet();
                        break;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    sent += n;
                }
            }
            catch (final IOException ignored)
            {
                // one side went away
            }
            finally
            {
                close(a);
                close(b);
            }
        }, downstream ? "proxy-down" : "proxy-up");
        thread.setDaemon(true);
        thread.start();
    }

    private static void close(final Socket socket)
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignored)
        {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException
    {
        server.close();
    }

    @Override
    public String toString()
    {
        return "FaultyProxy" + Arrays.asList(url(), target);
    }
}
