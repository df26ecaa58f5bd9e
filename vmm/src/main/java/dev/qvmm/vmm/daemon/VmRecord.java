package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.qvmm.vmm.session.VmEvent;
import dev.qvmm.vmm.session.VmState;

import java.time.Instant;
import java.util.List;

/**
 * What the daemon keeps on disk about one VM besides its spec ({@code vm.json}): the last
 * lifecycle event, the pid of its QEMU while one runs, the run's own files to remove when it
 * ends (so a later daemon can clean up after a VM it did not start), and while it runs, what it
 * has left for hotplug, the volumes hotplugged into it and its CD-ROM media (their nodes, and the
 * fd sets they were passed in when QEMU runs as another user, released when they are ejected).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record VmRecord(String name, String time, String phase, String reason, String message, Long qemuPid, List<String> ephemeral,
                HotplugSlots slots, List<HotplugVolume> hotplugged, java.util.Map<String, List<String>> media, List<String> planNodes,
                java.util.Map<String, List<Integer>> mediaFdsets) {

    VmRecord {
        ephemeral = ephemeral == null ? List.of() : List.copyOf(ephemeral);
        hotplugged = hotplugged == null ? List.of() : List.copyOf(hotplugged);
        media = media == null ? java.util.Map.of() : java.util.Map.copyOf(media);
        planNodes = planNodes == null ? List.of() : List.copyOf(planNodes);
        mediaFdsets = mediaFdsets == null ? java.util.Map.of() : java.util.Map.copyOf(mediaFdsets);
    }

    /** The last lifecycle event as it was saved; a phase this version does not know reads as Failed. */
    VmEvent lastEvent() {
        VmState state;
        try {
            state = VmState.valueOf(phase);
        } catch (RuntimeException e) {
            state = VmState.FAILED;
        }
        return new VmEvent(Instant.parse(time), name, state, reason, message);
    }
}
