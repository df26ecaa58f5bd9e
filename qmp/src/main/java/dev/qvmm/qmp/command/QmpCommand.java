package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A QMP command as a type: its QAPI name, its arguments and how to read its return value.
 * Implementations are records named after the QAPI command; by default the record itself is the
 * arguments object (components carry {@code @JsonProperty} where QAPI uses dashes).
 *
 * @param <R> the Java form of the command's return value ({@link Void} when it returns {@code {}})
 */
public interface QmpCommand<R> {

    /** The QAPI command name, e.g. {@code blockdev-add}. */
    @JsonIgnore
    String command();

    /** What goes into {@code "arguments"}: null for none. */
    @JsonIgnore
    default Object arguments() {
        return this;
    }

    /** Converts QEMU's {@code return} value. */
    R result(JsonNode value, ObjectMapper mapper);
}
