package io.bounce.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Bounce role in a child JVM with this JVM's flags (the Chronicle and analytics ones among them) and class path. */
final class ChildJvm
{
    private ChildJvm()
    {
    }

    /** Start {@code main} with {@code args}, its output appended to {@code log}. */
    static Process start(final Class<?> main, final Path log, final String heap, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!flag.startsWith("-javaagent") && !flag.startsWith("-agentlib") && !flag.startsWith("-Xmx"))
            {
                command.add(flag);
            }
        }
        command.addAll(List.of("-Xmx" + heap, "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Wait until the role behind {@code adminPort} answers {@code /readyz} with 200; fail if it exits first. */
    static void awaitReady(final String what, final int adminPort, final Process process, final long timeoutMs) throws InterruptedException
    {
        final HttpClient client = HttpClient.newHttpClient();
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException(what + " exited with " + process.exitValue());
            }
            try
            {
                if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200)
                {
                    return;
                }
            }
            catch (final IOException notYet)
            {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(what + " was not ready within " + timeoutMs + " ms");
    }
}
