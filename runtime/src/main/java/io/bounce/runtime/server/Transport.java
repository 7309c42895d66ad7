package io.bounce.runtime.server;

import java.util.Locale;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/** The socket transports a Bounce server can run on; {@code auto} picks epoll where the native library loads. */
public enum Transport
{
    EPOLL, IO_URING, NIO;

    /** @return epoll where its native library loads (Linux), else NIO. */
    public static Transport auto()
    {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    public static Transport parse(final String name)
    {
        switch (name.toLowerCase(Locale.ROOT))
        {
            case "auto":
                return auto();
            case "epoll":
                Epoll.ensureAvailability();
                return EPOLL;
            case "io_uring":
            case "io-uring":
            case "iouring":
                IoUring.ensureAvailability();
                return IO_URING;
            case "nio":
                return NIO;
            default:
                throw new IllegalArgumentException("--transport must be auto, epoll, io_uring or nio, was " + name);
        }
    }

    public IoHandlerFactory ioHandlerFactory()
    {
        switch (this)
        {
            case EPOLL:
                return EpollIoHandler.newFactory();
            case IO_URING:
                return IoUringIoHandler.newFactory();
            default:
                return NioIoHandler.newFactory();
        }
    }

    public Class<? extends ServerChannel> serverChannelClass()
    {
        switch (this)
        {
            case EPOLL:
                return EpollServerSocketChannel.class;
            case IO_URING:
                return IoUringServerSocketChannel.class;
            default:
                return NioServerSocketChannel.class;
        }
    }
}
