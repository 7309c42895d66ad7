package io.bounce.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.bounce.runtime.testing.RawHttp;
import org.agrona.concurrent.CachedEpochClock;
import picocli.CommandLine;

/** Test support: an in-process edge on ephemeral loopback ports with an injected clock; {@link RawHttp} talks to it. */
public final class EdgeHarness implements AutoCloseable
{
    public final CachedEpochClock clock = new CachedEpochClock();
    public final EdgeNode node;
    public final ByteArrayOutputStream output = new ByteArrayOutputStream();

    public EdgeHarness(final Path dataDir, final String... extraArgs) throws Exception
    {
        clock.update(1_764_000_000_000L);
        node = EdgeNode.start(config(dataDir, extraArgs), clock, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    public static EdgeConfig config(final Path dataDir, final String... extraArgs)
    {
        final List<String> args = new ArrayList<>(List.of(
            "--data-dir", dataDir.toString(), "--host", "127.0.0.1", "--port", "0", "--admin-port", "0",
            "--expected-links", "10000", "--io-threads", "2", "--default-domain", "bnc.test"));
        args.addAll(List.of(extraArgs));
        final EdgeConfig config = new EdgeConfig();
        new CommandLine(config).parseArgs(args.toArray(new String[0]));
        return config.conclude();
    }

    public int port()
    {
        return node.address().getPort();
    }

    public int adminPort()
    {
        return node.adminAddress().getPort();
    }

    @Override
    public void close()
    {
        node.close();
    }

    /** One request on a fresh connection. */
    public RawHttp.Response get(final String path, final String host) throws IOException
    {
        try (RawHttp.Connection c = new RawHttp.Connection(port()))
        {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").read();
        }
    }

    public RawHttp.Response get(final String path) throws IOException
    {
        return get(path, "127.0.0.1:" + port());
    }
}
