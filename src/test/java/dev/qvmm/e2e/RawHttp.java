package dev.qvmm.e2e;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client that sends the daemon's API whatever bytes a test wants (a hostile client), on a
 * non-blocking Unix socket so that every exchange has a deadline: a daemon that neither answers
 * nor closes fails the test as a hang instead of holding it. Writing stops when the daemon
 * closes its side (it may refuse a body half-way); what it answered is still read.
 */
final class RawHttp {

    /** What came back: the status (-1 when the connection closed without an answer), the whole text, how long it took. */
    record Reply(int status, String text, long millis) {
        String body() {
            int at = text.indexOf("\r\n\r\n");
            return at < 0 ? "" : text.substring(at + 4);
        }
    }

    /** The answer did not end (a closed connection) before the deadline. */
    static final class Hang extends AssertionError {
        Hang(String what) {
            super(what);
        }
    }

    private final Path socket;

    RawHttp(Path socket) {
        this.socket = socket;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends {@code bytes}, then reads until the daemon closes the connection. */
    Reply exchange(byte[] bytes, Duration deadline) throws IOException {
        return exchange(bytes, 0, false, deadline);
    }

    /**
     * Sends {@code head}, then {@code bodyBytes} bytes of 'a' (as 64 KiB chunks when {@code chunked},
     * ended by the last chunk), reading all the while, until the daemon closes the connection.
     */
    Reply exchange(byte[] head, long bodyBytes, boolean chunked, Duration deadline) throws IOException {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        StringBuilder in = new StringBuilder();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector sel = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            Body out = new Body(head, bodyBytes, chunked);
            SelectionKey key = ch.register(sel, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            while (true) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new Hang("no end of the answer within " + deadline + "; got \"" + shorten(in) + "\"");
                }
                sel.select(Math.max(1, left / 1_000_000));
                if (key.isReadable()) {
                    buf.clear();
                    int n;
                    try {
                        n = ch.read(buf);
                    } catch (IOException reset) {
                        n = -1;
                    }
                    if (n < 0) {
                        break;
                    }
                    in.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                }
                if (key.isValid() && key.isWritable()) {
                    try {
                        if (!out.writeTo(ch)) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } catch (IOException closedByDaemon) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                sel.selectedKeys().clear();
            }
        }
        return reply(in, start);
    }

    /**
     * Sends {@code bytes} one byte every {@code every} (a slowloris client) and reads whatever
     * comes back, until the daemon closes the connection.
     */
    Reply trickle(byte[] bytes, Duration every, Duration deadline) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        StringBuilder in = new StringBuilder();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(8192);
            int sent = 0;
            long next = System.nanoTime();
            while (true) {
                if (System.nanoTime() > end) {
                    throw new Hang("the daemon kept a slow client for over " + deadline + " after " + sent + " bytes");
                }
                if (sent < bytes.length && System.nanoTime() >= next) {
                    try {
                        ch.write(ByteBuffer.wrap(bytes, sent, 1));
                        sent++;
                    } catch (IOException closedByDaemon) {
                        sent = bytes.length;
                    }
                    next = System.nanoTime() + every.toNanos();
                }
                buf.clear();
                int n;
                try {
                    n = ch.read(buf);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    in.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                } else {
                    Thread.sleep(20);
                }
            }
        }
        return reply(in, start);
    }

    /** Opens a connection and sends {@code bytes} without waiting; the caller holds it open. */
    SocketChannel open(byte[] bytes) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        return ch;
    }

    private static Reply reply(StringBuilder in, long start) {
        String text = in.toString();
        int status = text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
        return new Reply(status, text, (System.nanoTime() - start) / 1_000_000);
    }

    private static String shorten(CharSequence s) {
        return s.length() > 200 ? s.subSequence(0, 200) + "..." : s.toString();
    }

    /** The bytes still to send: the head, then the body, raw or chunked. */
    private static final class Body {
        private final ByteBuffer head;
        private final boolean chunked;
        private long left;
        private ByteBuffer pending = ByteBuffer.allocate(0);
        private boolean ended;

        Body(byte[] head, long bodyBytes, boolean chunked) {
            this.head = ByteBuffer.wrap(head);
            this.left = bodyBytes;
            this.chunked = chunked;
        }

        /** Writes what the socket takes; false once everything is sent. */
        boolean writeTo(SocketChannel ch) throws IOException {
            while (true) {
                ByteBuffer b = head.hasRemaining() ? head : pending;
                if (!b.hasRemaining() && !refill()) {
                    return false;
                }
                b = head.hasRemaining() ? head : pending;
                if (ch.write(b) == 0) {
                    return true;
                }
            }
        }

        private boolean refill() {
            if (left > 0) {
                int n = (int) Math.min(left, 64 << 10);
                left -= n;
                byte[] data = new byte[n];
                java.util.Arrays.fill(data, (byte) 'a');
                pending = chunked ? ByteBuffer.wrap(concat(ascii(Integer.toHexString(n) + "\r\n"), data, ascii("\r\n"))) : ByteBuffer.wrap(data);
                return true;
            }
            if (chunked && !ended) {
                ended = true;
                pending = ByteBuffer.wrap(ascii("0\r\n\r\n"));
                return true;
            }
            return false;
        }

        private static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            ByteBuffer b = ByteBuffer.allocate(n);
            for (byte[] p : parts) {
                b.put(p);
            }
            return b.array();
        }
    }
}
