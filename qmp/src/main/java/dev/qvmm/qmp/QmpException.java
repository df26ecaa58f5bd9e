package dev.qvmm.qmp;

import java.time.Duration;

/**
 * Every failure of the QMP client. Callers switch on {@link #kind()}; the message is for people.
 * {@link #command()} names the QMP command concerned, when there is one; for
 * {@link Kind#COMMAND_ERROR} {@link #errorClass()} and {@link #desc()} carry QEMU's reply.
 */
public class QmpException extends RuntimeException {

    public enum Kind {
        /** The socket could not be connected, or QEMU sent no greeting in time. */
        CONNECT_FAILED,
        /** QEMU answered the command with an error. */
        COMMAND_ERROR,
        /** No reply (or event) within the deadline; the connection stays usable. */
        TIMEOUT,
        /** The connection is closed: QEMU exited, the socket dropped, or the client was closed. */
        DISCONNECTED,
        /** QEMU sent something that is not QMP; the connection has been closed. */
        PROTOCOL,
        /** The command's arguments cannot be written as JSON. */
        ENCODING,
        /** The client's queue of unanswered commands stayed full for the whole deadline. */
        OVERLOADED,
        /** An operating-system call failed (passing a file descriptor). */
        IO
    }

    private final Kind kind;
    private final String command;
    private final String errorClass;
    private final String desc;

    protected QmpException(Kind kind, String command, String errorClass, String desc, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.command = command;
        this.errorClass = errorClass;
        this.desc = desc;
    }

    public Kind kind() {
        return kind;
    }

    /** The QMP command this is about, or null. */
    public String command() {
        return command;
    }

    /** QAPI's error class (GenericError, DeviceNotFound, ...) for {@link Kind#COMMAND_ERROR}, else null. */
    public String errorClass() {
        return errorClass;
    }

    /** QEMU's error description for {@link Kind#COMMAND_ERROR}, else null. Never branch on it. */
    public String desc() {
        return desc;
    }

    public static QmpException commandError(String command, String errorClass, String desc) {
        return new QmpException(Kind.COMMAND_ERROR, command, errorClass, desc,
                "QMP command '" + command + "' failed: " + errorClass + ": " + desc, null);
    }

    public static QmpException timeout(String command, Duration limit, Duration waited) {
        return new QmpException(Kind.TIMEOUT, command, null, null,
                "QMP command '" + command + "' got no reply within " + limit.toMillis() + " ms (waited "
                        + waited.toMillis() + " ms); the connection stays usable", null);
    }

    public static QmpException eventTimeout(String event, Duration limit) {
        return new QmpException(Kind.TIMEOUT, null, null, null,
                "no QMP event " + event + " matching the filter within " + limit.toMillis() + " ms", null);
    }

    public static QmpException disconnected(String what, Throwable cause) {
        return new QmpException(Kind.DISCONNECTED, null, null, null, what, cause);
    }

    /** {@code command} cannot complete because the connection ended for {@code reason} (same kind). */
    public static QmpException connectionEnded(String command, QmpException reason) {
        return new QmpException(reason.kind(), command, null, null,
                "QMP command '" + command + "' failed: " + reason.getMessage(), reason);
    }

    public static QmpException protocol(String what, Throwable cause) {
        return new QmpException(Kind.PROTOCOL, null, null, null, "QMP protocol error: " + what, cause);
    }

    public static QmpException connectFailed(String what, Throwable cause) {
        return new QmpException(Kind.CONNECT_FAILED, null, null, null, what, cause);
    }

    public static QmpException encoding(String command, Throwable cause) {
        return new QmpException(Kind.ENCODING, command, null, null,
                "cannot encode the arguments of QMP command '" + command + "': " + cause.getMessage(), cause);
    }

    public static QmpException overloaded(String command, int queued, Duration waited) {
        return new QmpException(Kind.OVERLOADED, command, null, null,
                "QMP command '" + command + "' not queued: " + queued + " commands already await replies (waited "
                        + waited.toMillis() + " ms); raise QmpOptions.maxQueued or slow down", null);
    }

    public static QmpException io(String command, String what) {
        return new QmpException(Kind.IO, command, null, null, "QMP command '" + command + "': " + what, null);
    }
}
