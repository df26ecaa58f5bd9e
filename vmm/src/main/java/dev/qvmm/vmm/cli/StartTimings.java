package dev.qvmm.vmm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.wire.QmpJson;
import dev.qvmm.vmm.session.VmSession;

import java.io.PrintWriter;
import java.time.Instant;

/**
 * {@code run --timings}: when each start-up phase ended, in microseconds since the epoch, so a
 * benchmark can take qvmm's own overhead apart from the JVM's start and from QEMU's.
 */
final class StartTimings {

    /** Phase ends marked on the way (config read, spec read, accelerator, ...), in order. */
    private static final java.util.List<java.util.Map.Entry<String, Instant>> MARKS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private StartTimings() {
    }

    /** Marks the end of a start-up phase; printed by {@link #print} in the {@code phases} object. */
    static void mark(String phase) {
        MARKS.add(java.util.Map.entry(phase, Instant.now()));
    }

    static void print(PrintWriter err, Instant planned, Instant prepared, VmSession.LaunchTimes launch) {
        ObjectNode json = QmpJson.mapper().createObjectNode();
        ProcessHandle.current().info().startInstant().ifPresent(t -> json.put("jvmStart", micros(t)));
        if (QvmmCommand.mainEntered != null) {
            json.put("main", micros(QvmmCommand.mainEntered));
        }
        json.put("planned", micros(planned));
        json.put("prepared", micros(prepared));
        json.put("qemuStarted", micros(launch.qemuStarted()));
        json.put("socket", micros(launch.socketSeen()));
        json.put("greeting", micros(launch.monitorReady()));
        json.put("running", micros(launch.running()));
        // CPU the JVM used so far, all threads: a figure a busy machine does not inflate as it does wall time
        ProcessHandle.current().info().totalCpuDuration().ifPresent(d -> json.put("cpu", d.toNanos() / 1000));
        ObjectNode phases = json.putObject("phases");
        MARKS.forEach(m -> phases.put(m.getKey(), micros(m.getValue())));
        err.println("qvmm-timings " + json);
        err.flush();
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
}
