package dev.btclock.server;

import org.glassfish.grizzly.nio.ChannelConfigurator;
import org.glassfish.grizzly.nio.NIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;

/**
 * The socket options of every accepted device connection, set with one system call each and
 * none that has no effect on an accepted socket.
 *
 * <ul>
 *   <li>{@code TCP_NODELAY} and {@code SO_KEEPALIVE} as the transport says (both on).</li>
 *   <li>A fixed kernel send buffer (unless configured 0): bounds the kernel memory a stalled device can hold
 *       (autotuning lets it grow to {@code tcp_wmem} max, 4 MB) and makes a stuck client reach
 *       its queue limit after kilobytes, not megabytes.</li>
 * </ul>
 *
 * <p>Grizzly's own configurator would also set {@code SO_REUSEADDR} (which only matters to a
 * socket that binds) and a read timeout (which only blocking reads use): at thousands of
 * connects per second each system call is a percent of the accept path. The listening socket
 * keeps Grizzly's configuration.
 */
final class AcceptedSockets implements ChannelConfigurator {

    private final ChannelConfigurator listening;
    private final int sendBufferBytes;

    private AcceptedSockets(ChannelConfigurator listening, int sendBufferBytes) {
        this.listening = listening;
        this.sendBufferBytes = sendBufferBytes;
    }

    /**
     * Makes {@code transport} configure its accepted sockets so, with a send buffer of
     * {@code sendBufferBytes}, or the kernel's autotuned one when that is 0.
     */
    static void install(TCPNIOTransport transport, int sendBufferBytes) {
        transport.setChannelConfigurator(new AcceptedSockets(transport.getChannelConfigurator(), sendBufferBytes));
    }

    @Override
    public void preConfigure(NIOTransport transport, SelectableChannel channel) throws IOException {
        if (!(channel instanceof SocketChannel socket)) {
            listening.preConfigure(transport, channel);
            return;
        }
        TCPNIOTransport tcp = (TCPNIOTransport) transport;
        socket.configureBlocking(false);
        socket.setOption(StandardSocketOptions.TCP_NODELAY, tcp.isTcpNoDelay());
        socket.setOption(StandardSocketOptions.SO_KEEPALIVE, tcp.isKeepAlive());
        if (sendBufferBytes > 0) {
            socket.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferBytes);
        }
        if (tcp.getLinger() >= 0) {
            socket.setOption(StandardSocketOptions.SO_LINGER, tcp.getLinger());
        }
    }

    @Override
    public void postConfigure(NIOTransport transport, SelectableChannel channel) throws IOException {
        if (!(channel instanceof SocketChannel)) {
            listening.postConfigure(transport, channel);
        }
    }
}
