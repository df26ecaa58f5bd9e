package dev.qvmm.blockdev;

/**
 * Every failure of qvmm-blockdev. Callers switch on {@link #kind()}; the message is for people and
 * names the thing, the value and the limit.
 */
public class BlockdevException extends RuntimeException {

    public enum Kind {
        /** A node name or device id that QEMU would refuse (length, first character, charset). */
        INVALID_NAME,
        /** A property value outside what QEMU accepts for that node or device. */
        INVALID_PROPERTY,
        /** qemu-img failed, timed out or could not be run; the message carries its stderr. */
        IMAGE_TOOL_FAILED,
        /**
         * {@code qemu-img info} of an image qvmm did not make was ended by a signal under its CPU and
         * address-space limits: the image (or the tool) needed more than an honest image does.
         */
        IMAGE_INSPECTION_LIMITED
    }

    private final Kind kind;
    private final String subject;

    public BlockdevException(Kind kind, String subject, String message) {
        this(kind, subject, message, null);
    }

    public BlockdevException(Kind kind, String subject, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.subject = subject;
    }

    public Kind kind() {
        return kind;
    }

    /** The node name, device id or property concerned. */
    public String subject() {
        return subject;
    }
}
