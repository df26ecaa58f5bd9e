package dev.qvmm.virtiofsd;

import java.util.Objects;

/**
 * Everything this module throws. {@link #kind()} is stable for callers to switch on;
 * {@link #subject()} names the share (its tag) or the binary the error is about.
 */
public final class VirtiofsdException extends RuntimeException {

    public enum Kind {
        /** No virtiofsd binary where configured or in the usual places. */
        NOT_FOUND,
        /** A binary was found but its {@code --help} matches neither the C nor the Rust virtiofsd. */
        UNRECOGNISED,
        /** The shared directory is missing or not a directory. */
        SOURCE_UNAVAILABLE,
        /** The listening socket could not be made (path too long, bind or listen failed). */
        SOCKET,
        /** The daemon could not be spawned. */
        START_FAILED
    }

    private final Kind kind;
    private final String subject;

    public VirtiofsdException(Kind kind, String subject, String message) {
        this(kind, subject, message, null);
    }

    public VirtiofsdException(Kind kind, String subject, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.subject = Objects.requireNonNull(subject, "subject");
    }

    public Kind kind() {
        return kind;
    }

    public String subject() {
        return subject;
    }
}
