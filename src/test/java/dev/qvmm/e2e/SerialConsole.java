package dev.qvmm.e2e;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A person at a guest's serial console, as {@code virtctl console} gives one: connects to the
 * VM's console socket (QEMU serves one client at a time, and the daemon does not hold it), logs
 * in, types commands and reads what the guest answers. Everything read is kept, so a failed wait
 * shows the whole console. Every wait has a deadline.
 */
final class SerialConsole implements AutoCloseable {

    private final SocketChannel channel;
    private final StringBuilder seen = new StringBuilder();
    private final Thread reader;
    /** Where the next wait starts looking, so an old prompt is not taken for a new one. */
    private int mark;
    private int commands;

    private SerialConsole(SocketChannel channel) {
        this.channel = channel;
        this.reader = Thread.ofPlatform().daemon().name("serial-console").start(this::read);
    }

    /** Connects to {@code socket}, waiting up to {@code deadline} for it to appear and accept. */
    static SerialConsole connect(Path socket, Duration deadline) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    c.connect(UnixDomainSocketAddress.of(socket));
                    return new SerialConsole(c);
                } catch (IOException e) {
                    c.close();
                    throw e;
                }
            } catch (IOException notYet) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("cannot connect to the console " + socket + " within " + deadline, notYet);
                }
                Thread.sleep(200);
            }
        }
    }

    private void read() {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        try {
            while (channel.read(buf.clear()) >= 0) {
                buf.flip();
                String text = StandardCharsets.UTF_8.decode(buf).toString().replace("\r", "");
                synchronized (seen) {
                    seen.append(text);
                    seen.notifyAll();
                }
            }
        } catch (IOException closed) {
            // the console went away (the VM stopped, or close())
        }
    }

    /** Everything the console has shown so far. */
    String all() {
        synchronized (seen) {
            return seen.toString();
        }
    }

    /** Waits for {@code pattern} after the mark; moves the mark past the match and returns it. */
    Matcher await(Pattern pattern, Duration deadline, String what) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (seen) {
            while (true) {
                Matcher m = pattern.matcher(seen);
                if (m.find(mark)) {
                    mark = m.end();
                    return m;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the console never showed " + what + " within " + deadline + ":\n" + seen);
                }
                seen.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    void type(String line) throws IOException {
        ByteBuffer b = StandardCharsets.UTF_8.encode(line + "\n");
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Logs in at a fresh login prompt and waits for the shell's prompt. */
    void login(String user, String password, Duration deadline) throws Exception {
        type("");
        await(Pattern.compile("login: $", Pattern.MULTILINE), deadline, "a login prompt");
        type(user);
        await(Pattern.compile("Password: $", Pattern.MULTILINE), deadline, "the password prompt");
        type(password);
        await(Pattern.compile(Pattern.quote(user) + "@[^ ]+:~\\$ $", Pattern.MULTILINE), deadline, "the shell prompt of " + user);
    }

    /**
     * Runs {@code command} in the logged-in shell and returns what it printed. Its output is
     * framed by markers the shell computes ({@code $((n))}), so the echo of the typed line is
     * never taken for them. Standard error is part of it, as on a terminal.
     */
    String run(String command, Duration deadline) throws Exception {
        int n = ++commands;
        type("echo QVMM-$((" + n + "))-BEGIN; " + command + "; echo QVMM-$((" + n + "))-END");
        // Not anchored at a line start: bash's bracketed-paste toggle (ESC[?2004l) comes before the first output.
        Matcher m = await(Pattern.compile("(?s)QVMM-" + n + "-BEGIN\n(.*?)QVMM-" + n + "-END\n"), deadline,
                "the output of: " + command);
        return m.group(1);
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
