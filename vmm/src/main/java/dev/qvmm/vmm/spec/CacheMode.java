package dev.qvmm.vmm.spec;

/** A disk's {@code cache}: none = O_DIRECT; writethrough/writeback = host page cache. */
public enum CacheMode {
    NONE("none"), WRITETHROUGH("writethrough"), WRITEBACK("writeback");

    private final String specName;

    CacheMode(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }
}
