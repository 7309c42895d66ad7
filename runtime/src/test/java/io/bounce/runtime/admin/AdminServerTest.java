package io.bounce.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import io.bounce.runtime.testing.RawHttp.Connection;
import org.junit.jupiter.api.Test;

class AdminServerTest
{
    @Test
    void anIdleConnectionIsClosedQuietlyAndAnswersCarryTheProtectiveHeaders() throws Exception
    {
        final PrintStream stderr = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (AdminServer admin = new AdminServer("admin-test", "127.0.0.1", 0, () -> true, Metrics.registry("test"), 1))
        {
            final int port = admin.localAddress().getPort();
            try (Connection idle = new Connection(port))
            {
                assertTrue(idle.isClosedByServer(5000), "closed after the idle timeout");
            }
            try (Connection c = new Connection(port))
            {
                final var ready = c.send("GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n").read();
                assertEquals(200, ready.status);
                assertEquals("nosniff", ready.header("X-Content-Type-Options"));
            }
        }
        finally
        {
            io.bounce.runtime.log.LogOutput.flush(); // lines are written by a background thread
            System.setErr(stderr);
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(!log.contains("reached the tail of the pipeline") && !log.contains("Exception"), "nothing logged for an idle socket:\n" + log);
    }
}
