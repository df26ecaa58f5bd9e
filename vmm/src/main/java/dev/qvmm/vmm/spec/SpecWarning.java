package dev.qvmm.vmm.spec;

import java.util.Objects;

/** Something in the input qvmm read but does not use (an unknown field, a scheduling hint), with its path. */
public record SpecWarning(String path, Kind kind, String message) {

    /** What sort of field a warning is about; tests and callers switch on these, never on text. */
    public enum Kind {
        /** A field no API qvmm reads has. */
        UNKNOWN_FIELD,
        /** A real KubeVirt, CDI or Kubernetes field that qvmm does not honour on a bare host. */
        UNSUPPORTED_FIELD,
        /** A field the Kubernetes API server sets (uid, resourceVersion, managedFields...), meaningless as input. */
        SERVER_SET_FIELD,
        /** Anything else read and not used, or used differently (an unused volume, a scheduling hint). */
        NOTE
    }

    public SpecWarning {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    public SpecWarning(String path, String message) {
        this(path, Kind.NOTE, message);
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
