package dev.qvmm.vmm.session;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Copies a VM's serial console (QEMU's console socket) to an output stream until the socket
 * closes. QEMU writes {@code console.log} itself whether or not anyone is connected; the tap is
 * for a person watching. Connect it before the guest runs (QEMU starts paused) to miss nothing.
 */
public final class ConsoleTap implements AutoCloseable {

    private final SocketChannel channel;
    private final Thread pump;

    private ConsoleTap(SocketChannel channel, Thread pump) {
        this.channel = channel;
        this.pump = pump;
    }

    public static ConsoleTap attach(Path consoleSocket, OutputStream out) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(consoleSocket));
        Thread pump = Thread.ofPlatform().daemon(true).name("console-" + consoleSocket.getParent().getFileName()).start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            try {
                while (ch.read(buf) >= 0) {
                    out.write(buf.array(), 0, buf.position());
                    out.flush();
                    buf.clear();
                }
            } catch (IOException e) {
                // QEMU closed the console (it exited) or the tap was closed: either ends the copy
            }
        });
        return new ConsoleTap(ch, pump);
    }

    /** Waits up to {@code millis} for the copy to reach the end of the console stream. */
    public void drain(long millis) throws InterruptedException {
        pump.join(millis);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
