package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * What the daemon keeps on disk about one VM besides its spec ({@code vm.json}): the last
 * lifecycle event, the pid of its QEMU while one runs, and the run's own files to remove when it
 * ends (so a later daemon can clean up after a VM it did not start).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record VmRecord(String name, String time, String phase, String reason, String message, Long qemuPid, List<String> ephemeral) {

    VmRecord {
        ephemeral = ephemeral == null ? List.of() : List.copyOf(ephemeral);
    }
}
