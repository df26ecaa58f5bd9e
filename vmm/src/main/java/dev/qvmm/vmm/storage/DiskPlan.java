package dev.qvmm.vmm.storage;

import dev.qvmm.blockdev.BlockNode;
import dev.qvmm.blockdev.Device;
import dev.qvmm.blockdev.NodeName;
import dev.qvmm.vmm.spec.CacheMode;
import java.util.List;
import java.util.Optional;

/**
 * One disk as planned: its block nodes bottom-up (protocol first, {@code top} last), its frontend
 * device, the guest device name KubeVirt would give it ({@code vda}, {@code sdb}, {@code fda}), the
 * cache mode chosen and its iothread.
 */
public record DiskPlan(String name, String targetDev, List<BlockNode> nodes, NodeName top, Device device,
                       CacheMode cache, Optional<String> iothread) {

    public DiskPlan {
        nodes = List.copyOf(nodes);
    }
}
