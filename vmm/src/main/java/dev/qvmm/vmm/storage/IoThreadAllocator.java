package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.spec.Bus;
import dev.qvmm.vmm.spec.CpuTopology;
import dev.qvmm.vmm.spec.DiskSpec;
import dev.qvmm.vmm.spec.IoThreadsPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * KubeVirt's iothread algorithm, exactly (virt-launcher's {@code SetIOThreads} and
 * {@code getIOThreadsCountType}):
 * <ul>
 * <li>no policy and no dedicated disk: no iothreads;</li>
 * <li>every disk with {@code dedicatedIOThread} counts as dedicated, every other disk as shared;</li>
 * <li>pool limit: 1 for {@code shared}; for {@code auto} 2 x vCPUs (1 when the emulator thread is isolated);</li>
 * <li>if dedicated + shared exceeds the limit, shared = max(1, limit - dedicated);</li>
 * <li>threads 1..shared serve shared disks round robin in spec order; dedicated ones follow;</li>
 * <li>only virtio disks get a thread; when a scsi disk asks for a dedicated one, the virtio-scsi
 *     controller gets the next shared thread and vCPUs queues.</li>
 * </ul>
 * qvmm counts vCPUs from the topology (KubeVirt reads resources.requests.cpu); the reference's own
 * example sizes the auto pool from {@code cpu.cores}.
 */
public final class IoThreadAllocator {

    private IoThreadAllocator() {
    }

    public static IoThreadPlan allocate(Optional<IoThreadsPolicy> policy, List<DiskSpec> disks, CpuTopology cpu) {
        if (policy.isEmpty()) {
            return IoThreadPlan.none();
        }
        int dedicated = 0;
        int shared = 0;
        for (DiskSpec d : disks) {
            if (d.dedicatedIoThread()) {
                dedicated++;
            } else {
                shared++;
            }
        }
        int limit = switch (policy.get()) {
            case SHARED -> 1;
            case AUTO -> cpu.dedicated() && cpu.isolateEmulatorThread() ? 1 : cpu.vcpus() * 2;
        };
        if (shared + dedicated > limit) {
            shared = Math.max(1, limit - dedicated);
        }
        int count = shared + dedicated;
        Map<String, Integer> assignment = new HashMap<>();
        int nextShared = 1;
        int nextDedicated = shared + 1;
        for (DiskSpec d : disks) {
            if (d.bus() != Bus.VIRTIO) {
                continue;
            }
            if (d.dedicatedIoThread()) {
                assignment.put(d.name(), nextDedicated++);
            } else {
                assignment.put(d.name(), nextShared);
                nextShared = (nextShared % shared) + 1;
            }
        }
        boolean scsiDedicated = disks.stream().anyMatch(d -> d.bus() == Bus.SCSI && d.dedicatedIoThread());
        OptionalInt scsiThread = scsiDedicated && count > 0 ? OptionalInt.of(nextShared) : OptionalInt.empty();
        OptionalInt scsiQueues = scsiThread.isPresent() ? OptionalInt.of(cpu.vcpus()) : OptionalInt.empty();
        return new IoThreadPlan(count, assignment, scsiThread, scsiQueues, pins(count, cpu));
    }

    /**
     * KubeVirt's iothread pinning with dedicated CPUs: all on the emulator's CPU when it is isolated;
     * else one vCPU each round robin when threads >= vCPUs; else balanced contiguous vCPU sets.
     */
    static List<IoThreadPlan.Pin> pins(int count, CpuTopology cpu) {
        List<IoThreadPlan.Pin> pins = new ArrayList<>();
        if (!cpu.dedicated() || count == 0) {
            return pins;
        }
        int vcpus = cpu.vcpus();
        if (cpu.isolateEmulatorThread()) {
            for (int t = 1; t <= count; t++) {
                pins.add(new IoThreadPlan.Pin(t, List.of(), true));
            }
        } else if (count >= vcpus) {
            for (int t = 1; t <= count; t++) {
                pins.add(new IoThreadPlan.Pin(t, List.of(t % vcpus), false));
            }
        } else {
            int next = 0;
            for (int t = 1; t <= count; t++) {
                int max = next + (int) Math.ceil((double) (vcpus - next) / (count - t + 1));
                List<Integer> set = new ArrayList<>();
                for (; next < max; next++) {
                    set.add(next);
                }
                pins.add(new IoThreadPlan.Pin(t, set, false));
            }
        }
        return pins;
    }
}
