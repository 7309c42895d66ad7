package io.bounce.runtime.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Test support: a raw HTTP/1.1 client for the servers' wire tests. It writes exactly the bytes it is
 * given (malformed, pipelined, split anywhere) and reads answers one at a time.
 */
public final class RawHttp
{
    private RawHttp()
    {
    }

    /** A response as read off the wire. */
    public static final class Response
    {
        public final String statusLine;
        public final int status;
        public final Map<String, String> headers;
        public final String body;

        Response(final String statusLine, final Map<String, String> headers, final String body)
        {
            this.statusLine = statusLine;
            this.status = Integer.parseInt(statusLine.split(" ")[1]);
            this.headers = headers;
            this.body = body;
        }

        public String header(final String name)
        {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString()
        {
            return statusLine + " " + headers + " " + body;
        }
    }

    /** A raw connection: write any bytes, read responses one at a time. */
    public static final class Connection implements AutoCloseable
    {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        public Connection(final int port) throws IOException
        {
            this(port, null);
        }

        /** @param localAddress the loopback address to connect from ({@code 127.0.0.2}: another client), or null. */
        public Connection(final int port, final String localAddress) throws IOException
        {
            socket = new Socket();
            if (localAddress != null)
            {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** Talk over a socket already connected (a TLS socket, say). */
        public Connection(final Socket connected) throws IOException
        {
            socket = connected;
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        public Connection send(final String raw) throws IOException
        {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        public Response read(final boolean head) throws IOException
        {
            final String statusLine = readLine();
            if (statusLine == null)
            {
                throw new IOException("connection closed before a response");
            }
            final Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while ((line = readLine()) != null && !line.isEmpty())
            {
                final int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            final int length = head ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
            final byte[] body = in.readNBytes(length);
            return new Response(statusLine, headers, new String(body, StandardCharsets.UTF_8));
        }

        public Response read() throws IOException
        {
            return read(false);
        }

        /** @return the local port, to find this connection in a server's log. */
        public int localPort()
        {
            return socket.getLocalPort();
        }

        /** @return true if the server closed the connection (end of stream) within the socket timeout. */
        public boolean isClosedByServer(final int timeoutMs) throws IOException
        {
            socket.setSoTimeout(timeoutMs);
            try
            {
                return in.read() == -1;
            }
            catch (final SocketTimeoutException ex)
            {
                return false;
            }
            catch (final IOException ex)
            {
                return true; // reset
            }
        }

        private String readLine() throws IOException
        {
            final StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != -1)
            {
                if (b == '\n')
                {
                    final int n = line.length();
                    return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
                }
                line.append((char)b);
            }
            return line.length() == 0 ? null : line.toString();
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

}
