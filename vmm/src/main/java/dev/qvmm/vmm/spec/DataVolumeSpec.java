package dev.qvmm.vmm.spec;

import java.util.Objects;

/** A DataVolume (from the stream or a VM's dataVolumeTemplates): where its data comes from and its claim. */
public record DataVolumeSpec(String name, Source source, ClaimInfo claim) {

    /** The import source. */
    public sealed interface Source {
    }

    public record Http(String url) implements Source {
    }

    public record S3(String url) implements Source {
    }

    public record Registry(String url) implements Source {
    }

    public record Blank() implements Source {
    }

    public record Upload() implements Source {
    }

    public record Clone(String claimName) implements Source {
    }

    public DataVolumeSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(claim, "claim");
    }
}
