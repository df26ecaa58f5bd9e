package dev.qvmm.qmp;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The optional log of every QMP message in both directions, one line each:
 * {@code <instant> -> <json>} for what the client sent and {@code <-} for what QEMU sent. For
 * debugging; it costs a formatted write per message. I/O errors stop the log, not the client.
 */
final class WireLog implements AutoCloseable {

    private final Path file;
    private BufferedWriter out;

    private WireLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    static WireLog open(Path file) {
        if (file == null) {
            return null;
        }
        try {
            return new WireLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw QmpException.connectFailed("cannot open the QMP wire log " + file + ": " + e.getMessage(), e);
        }
    }

    void sent(byte[] message) {
        write("->", new String(message, StandardCharsets.UTF_8).stripTrailing());
    }

    void received(String message) {
        write("<-", message);
    }

    private synchronized void write(String direction, String message) {
        if (out == null) {
            return;
        }
        try {
            out.write(Instant.now() + " " + direction + " " + message);
            out.newLine();
            out.flush();
        } catch (IOException e) {
            System.getLogger(WireLog.class.getName()).log(System.Logger.Level.WARNING,
                    "QMP wire log " + file + " stopped: " + e.getMessage());
            closeQuietly();
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the log is best effort by contract
            }
            out = null;
        }
    }
}
