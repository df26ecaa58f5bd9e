package dev.qvmm.vmm.spec;

/** {@code spec.domain.ioThreadsPolicy}. */
public enum IoThreadsPolicy {
    SHARED("shared"), AUTO("auto");

    private final String specName;

    IoThreadsPolicy(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }
}
