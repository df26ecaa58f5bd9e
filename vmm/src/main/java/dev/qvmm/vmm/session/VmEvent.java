package dev.qvmm.vmm.session;

import java.time.Instant;

/**
 * A lifecycle change: the new state, a short machine-readable reason in KubeVirt's style
 * ({@code GuestShutdown}, {@code IOError}, {@code QemuExited}, ...) and a message for people.
 */
public record VmEvent(Instant time, String vm, VmState state, String reason, String message) {

    /** As a JSON object: {@code time, vm, phase, reason, message} (event streams, status). */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        return dev.qvmm.qmp.wire.QmpJson.mapper().createObjectNode().put("time", time.toString()).put("vm", vm)
                .put("phase", state.phase()).put("reason", reason).put("message", message);
    }

    /** One line for a terminal: {@code <time> <vm> <Phase> <Reason>: <message>}. */
    public String toLine() {
        return time + " " + vm + " " + state.phase() + " " + reason + (message.isEmpty() ? "" : ": " + message);
    }
}
