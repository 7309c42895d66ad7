package io.bounce.runtime.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.bounce.runtime.http.ConnectionDrops;
import io.bounce.runtime.http.NotFoundHandler;
import io.bounce.runtime.http.StrictRequests;
import io.bounce.runtime.server.NettyServer;
import io.bounce.runtime.server.Transport;
import io.bounce.runtime.testing.RawHttp.Connection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import org.junit.jupiter.api.Test;

/** Budgets and connection limits: time passed in for the buckets, real sockets from two loopback addresses for the limits. */
class LimitsTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final byte[] V4 = {(byte)203, 0, 113, 9};

    @Test
    void aBudgetGivesItsBurstThenItsRateAndSaysHowLongToWait()
    {
        final AddressBudget budget = new AddressBudget(2, 3);
        final long t0 = 5 * SECOND;
        for (int i = 0; i < 3; i++)
        {
            assertEquals(0, budget.take(V4, t0), "the burst");
        }
        assertEquals(500, budget.take(V4, t0), "then one token every half second");
        assertEquals(0, budget.take(V4, t0 + SECOND / 2));
        assertEquals(1, budget.refused());
        assertEquals(0, budget.take(new byte[] {(byte)203, 0, 113, 10}, t0), "another address has its own budget");
    }

    @Test
    void anIpv6ClientIsItsSlash64()
    {
        final AddressBudget budget = new AddressBudget(1, 1);
        final byte[] a = new byte[16];
        a[0] = 0x20;
        a[1] = 0x01;
        a[15] = 1;
        final byte[] sameNetwork = a.clone();
        sameNetwork[15] = 2;
        sameNetwork[9] = 7;
        final byte[] otherNetwork = a.clone();
        otherNetwork[7] = 1;
        assertEquals(0, budget.take(a, SECOND));
        assertTrue(budget.take(sameNetwork, SECOND) > 0, "changing the low 64 bits does not buy a new budget");
        assertEquals(0, budget.take(otherNetwork, SECOND));
    }

    @Test
    void noRateMeansNoBudget()
    {
        final AddressBudget none = new AddressBudget(0, 1);
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(0, none.take(V4, SECOND));
        }
        assertFalse(none.isEnabled());
    }

    @Test
    void connectionsPastALimitAreClosedOnArrivalAndCountedAndTheirPlacesFreedWhenOthersClose() throws Exception
    {
        final ConnectionLimits limits = new ConnectionLimits("test", 3, 2);
        final ConnectionDrops drops = new ConnectionDrops("test");
        // one event loop, so connections are admitted in the order they arrive
        try (NettyServer server = new NettyServer(new NettyServer.Settings("limits-test", Transport.auto(), 1, "127.0.0.1", 0, 16), limits,
            new ChannelInitializer<>()
            {
                @Override
                protected void initChannel(final Channel ch)
                {
                    StrictRequests.addCodec(ch.pipeline(), "http");
                    ch.pipeline().addLast(new NotFoundHandler(drops));
                }
            }))
        {
            final int port = server.localAddress().getPort();
            final List<Connection> open = new ArrayList<>();
            try
            {
                open.add(new Connection(port, "127.0.0.1"));
                open.add(new Connection(port, "127.0.0.1"));
                try (Connection third = new Connection(port, "127.0.0.1"))
                {
                    assertTrue(third.isClosedByServer(5000), "a third from one address is past the per-address limit");
                }
                open.add(new Connection(port, "127.0.0.2"));
                try (Connection fourth = new Connection(port, "127.0.0.3"))
                {
                    assertTrue(fourth.isClosedByServer(5000), "a fourth in all is past the process limit");
                }
                assertEquals(1, limits.refused(ConnectionLimits.Limit.ADDRESS));
                assertEquals(1, limits.refused(ConnectionLimits.Limit.PROCESS));
                assertFalse(open.get(0).isClosedByServer(200), "the connections taken in stay open");

                open.remove(0).close();
                awaitOpen(limits, 2);
                try (Connection again = new Connection(port, "127.0.0.1"))
                {
                    assertEquals(404, again.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").read().status, "a freed place is taken again");
                }
            }
            finally
            {
                for (final Connection c : open)
                {
                    c.close();
                }
            }
        }
    }

    private static void awaitOpen(final ConnectionLimits limits, final int expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 5 * SECOND;
        while (limits.open() != expected && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
            Thread.sleep(1); // waiting on the server's close listener, which runs on its event loop
        }
        assertEquals(expected, limits.open());
    }
}
