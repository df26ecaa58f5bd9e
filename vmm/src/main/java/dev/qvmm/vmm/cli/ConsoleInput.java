package dev.qvmm.vmm.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What {@code qvmm console} reads from its user, as {@code virtctl console} does it: on a terminal,
 * raw mode (so Ctrl-C, arrows and line editing reach the guest's own shell instead of this process)
 * restored on every way out; everywhere, {@value #ESCAPE_NAME} detaches, the bytes before it still
 * sent. The stream ends at the escape, which detaches like the end of input does.
 */
final class ConsoleInput extends FilterInputStream {

    /** Ctrl-], telnet's and virtctl's escape. */
    static final int ESCAPE = 0x1d;
    static final String ESCAPE_NAME = "Ctrl-]";

    private boolean escaped;

    ConsoleInput(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (escaped) {
            return -1;
        }
        int n = super.read(b, off, len);
        for (int i = 0; i < n; i++) {
            if (b[off + i] == ESCAPE) {
                escaped = true;
                return i == 0 ? -1 : i;
            }
        }
        return n;
    }

    /**
     * Puts the terminal on stdin into raw mode when stdin is one (the standard {@code stty}, with
     * stdin as its own); the returned handle puts it back. Empty when stdin is not a terminal.
     */
    static Optional<Runnable> rawTerminal() {
        Optional<String> saved = stty("-g");
        if (saved.isEmpty()) {
            return Optional.empty();
        }
        Runnable restore = () -> stty(saved.get());
        Thread hook = new Thread(restore, "console-terminal");
        Runtime.getRuntime().addShutdownHook(hook);
        if (stty("raw", "-echo").isEmpty()) {
            restore.run();
            return Optional.empty();
        }
        return Optional.of(() -> {
            restore.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook restores it
            }
        });
    }

    /** Runs stty on this process's stdin; its output, or empty when it failed (stdin is no terminal). */
    private static Optional<String> stty(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "stty";
        System.arraycopy(args, 0, argv, 1, args.length);
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
