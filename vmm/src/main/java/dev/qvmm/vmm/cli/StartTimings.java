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

    private StartTimings() {
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
        json.put("greeting", micros(launch.monitorReady()));
        json.put("running", micros(launch.running()));
        err.println("qvmm-timings " + json);
        err.flush();
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
}
