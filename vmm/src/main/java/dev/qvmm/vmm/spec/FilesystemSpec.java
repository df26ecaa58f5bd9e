package dev.qvmm.vmm.spec;

import java.util.Objects;

/** A virtiofs filesystem: the guest mounts it by {@code name} (its tag). */
public record FilesystemSpec(String name, String path, Volume volume) {

    public FilesystemSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(volume, "volume");
    }
}
