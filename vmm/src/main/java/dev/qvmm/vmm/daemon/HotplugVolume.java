package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A volume hotplugged into a running VM, as the daemon keeps it (also on disk, for the next
 * daemon): the request, the disk and volume entries it added to the spec, the device and its
 * nodes (bottom-up), the slot it took, its own files, and the fd sets its images were passed in
 * (for a QEMU that runs as another user).
 */
record HotplugVolume(VolumeRequest request, ObjectNode disk, ObjectNode volume, String deviceId, List<String> nodes,
                     String port, Integer lun, String addedController, List<String> ephemeral, List<Integer> fdsets) {

    HotplugVolume {
        nodes = List.copyOf(nodes);
        ephemeral = ephemeral == null ? List.of() : List.copyOf(ephemeral);
        fdsets = fdsets == null ? List.of() : List.copyOf(fdsets);
    }

    String name() {
        return request.volumeName();
    }
}
