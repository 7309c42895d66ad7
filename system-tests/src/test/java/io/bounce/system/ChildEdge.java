package io.bounce.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bounce.edge.EdgeMain;

/** Test support: a following {@code bounce edge} in a child JVM with the same flags and class path as the test JVM. */
final class ChildEdge implements AutoCloseable
{
    private static final Pattern EDGE_LINE = Pattern.compile("^edge: http://127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern ADMIN_LINE = Pattern.compile("^edge admin: http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern FOLLOWING_LINE = Pattern.compile("^edge following: .* \\(from sequence (\\d+)\\)");

    int port;
    int adminPort;
    long followingFrom = -1;

    final Process process;
    final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuilder output = new StringBuilder();

    ChildEdge(final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("bounce.jvm.args", "").trim().split("\\s+")));
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EdgeMain.class.getName());
        command.addAll(Arrays.asList(args));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    synchronized (output)
                    {
                        output.append(line).append('\n');
                    }
                    lines.add(line);
                }
            }
            catch (final IOException ignored)
            {
                // the child is gone
            }
        }, "child-edge-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Wait for the child to print its serving, admin and following lines; learn its ports. */
    ChildEdge awaitFollowing(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            final String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null)
            {
                Matcher m = EDGE_LINE.matcher(line);
                if (m.find())
                {
                    port = Integer.parseInt(m.group(1));
                }
                m = ADMIN_LINE.matcher(line);
                if (m.find())
                {
                    adminPort = Integer.parseInt(m.group(1));
                }
                m = FOLLOWING_LINE.matcher(line);
                if (m.find())
                {
                    followingFrom = Long.parseLong(m.group(1));
                }
                if (port != 0 && adminPort != 0 && followingFrom >= 0)
                {
                    return this;
                }
            }
            if (!process.isAlive() && lines.isEmpty())
            {
                break;
            }
        }
        throw new AssertionError("child edge did not start serving; output:\n" + output());
    }

    String output()
    {
        synchronized (output)
        {
            return output.toString();
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS))
            {
                kill();
            }
        }
    }
}
