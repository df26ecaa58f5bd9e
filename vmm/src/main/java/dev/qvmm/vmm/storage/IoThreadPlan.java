package dev.qvmm.vmm.storage;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The iothreads of a VM: {@code count} threads with ids 1..count (QEMU ids {@code iothread<N>}),
 * which virtio disk runs in which, the virtio-scsi controller's thread and queues, and, with
 * dedicated CPUs, where each thread is to be pinned (applied at run time).
 */
public record IoThreadPlan(int count, Map<String, Integer> diskThreads, OptionalInt scsiControllerThread,
                           OptionalInt scsiControllerQueues, List<Pin> pins) {

    /** One iothread's pinning: to vCPU indexes (mapped to host CPUs at run time) or to the emulator's CPU. */
    public record Pin(int iothread, List<Integer> vcpus, boolean emulatorCpu) {
        public Pin {
            vcpus = List.copyOf(vcpus);
        }
    }

    public IoThreadPlan {
        diskThreads = Map.copyOf(diskThreads);
        pins = List.copyOf(pins);
    }

    public static String id(int thread) {
        return "iothread" + thread;
    }

    public static IoThreadPlan none() {
        return new IoThreadPlan(0, Map.of(), OptionalInt.empty(), OptionalInt.empty(), List.of());
    }
}
