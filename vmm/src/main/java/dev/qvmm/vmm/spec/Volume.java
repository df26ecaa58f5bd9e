package dev.qvmm.vmm.spec;

import java.util.Objects;

/** A named volume and its source. */
public record Volume(String name, VolumeSource source) {

    public Volume {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
    }
}
