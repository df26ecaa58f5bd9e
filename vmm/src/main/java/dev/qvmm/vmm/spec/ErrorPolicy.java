package dev.qvmm.vmm.spec;

/** A disk's {@code errorPolicy}; KubeVirt's default is {@link #STOP}. */
public enum ErrorPolicy {
    STOP("stop"), REPORT("report"), IGNORE("ignore"), ENOSPACE("enospace");

    private final String specName;

    ErrorPolicy(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }
}
