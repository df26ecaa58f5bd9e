package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * What the daemon keeps on disk about one VM besides its spec ({@code vm.json}): the last
 * lifecycle event, the pid of its QEMU while one runs, the run's own files to remove when it
 * ends (so a later daemon can clean up after a VM it did not start), and while it runs, what it
 * has left for hotplug and the volumes hotplugged into it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record VmRecord(String name, String time, String phase, String reason, String message, Long qemuPid, List<String> ephemeral,
                HotplugSlots slots, List<HotplugVolume> hotplugged, java.util.Map<String, List<String>> media, List<String> planNodes) {

    VmRecord {
        ephemeral = ephemeral == null ? List.of() : List.copyOf(ephemeral);
        hotplugged = hotplugged == null ? List.of() : List.copyOf(hotplugged);
        media = media == null ? java.util.Map.of() : java.util.Map.copyOf(media);
        planNodes = planNodes == null ? List.of() : List.copyOf(planNodes);
    }
}
