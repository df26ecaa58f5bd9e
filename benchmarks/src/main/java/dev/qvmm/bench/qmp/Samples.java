package dev.qvmm.bench.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The QMP messages the benchmarks use, read from {@code samples/NAME.json} on the class path.
 * Replies and events are stored as QEMU writes them (one line, a space after every colon and
 * comma) and {@link #wire} adds the CRLF that ends each message on the socket. They were shaped on
 * what QEMU 7.2 printed for the same commands, with one deliberate difference: query-status has
 * no {@code singlestep} member, which newer QEMU no longer sends.
 */
final class Samples {

    private Samples() {
    }

    /** The message's bytes as they arrive from QEMU, CRLF included. */
    static byte[] wire(String name) {
        return (text(name) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The sample parsed as a JSON object, e.g. a command's arguments. */
    static ObjectNode object(String name) {
        try {
            return (ObjectNode) QmpJson.mapper().readTree(text(name));
        } catch (IOException e) {
            throw new UncheckedIOException("sample " + name + " is not a JSON object", e);
        }
    }

    private static String text(String name) {
        String resource = "samples/" + name + ".json";
        try (InputStream in = Samples.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample " + resource + " beside " + Samples.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sample " + resource, e);
        }
    }
}
