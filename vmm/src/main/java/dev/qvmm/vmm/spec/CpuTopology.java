package dev.qvmm.vmm.spec;

/**
 * vCPU topology. {@code explicit} is true when the spec gave a CPU count (domain.cpu
 * sockets/cores/threads, or resources.requests/limits.cpu), which blockMultiQueue requires.
 * {@code dedicated} is dedicatedCpuPlacement; {@code isolateEmulatorThread} asks for one more
 * host CPU for QEMU's emulator thread.
 */
public record CpuTopology(int sockets, int cores, int threads, boolean explicit, boolean dedicated,
                          boolean isolateEmulatorThread) {

    public int vcpus() {
        return sockets * cores * threads;
    }
}
