package dev.qvmm.vmm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.session.VmEvent;

import java.io.PrintWriter;
import java.time.Instant;

/** Lifecycle events and notes on stderr: one text line each, or one JSON object per line. */
final class EventPrinter {

    private final PrintWriter err;
    private final boolean json;
    private final ObjectMapper mapper = QmpJson.mapper();

    EventPrinter(PrintWriter err, boolean json) {
        this.err = err;
        this.json = json;
    }

    synchronized void event(VmEvent e) {
        if (json) {
            err.println(e.toJson());
        } else {
            err.println("qvmm: " + e.toLine());
        }
        err.flush();
    }

    synchronized void note(String text) {
        if (json) {
            err.println(mapper.createObjectNode().put("time", Instant.now().toString()).put("note", text));
        } else {
            err.println("qvmm: " + text);
        }
        err.flush();
    }
}
