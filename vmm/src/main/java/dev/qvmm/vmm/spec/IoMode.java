package dev.qvmm.vmm.spec;

/** A disk's {@code io}: when absent the planner decides from the cache mode and QEMU's capabilities. */
public enum IoMode {
    NATIVE("native"), THREADS("threads");

    private final String specName;

    IoMode(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }
}
