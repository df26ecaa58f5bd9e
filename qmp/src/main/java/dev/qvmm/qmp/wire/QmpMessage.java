package dev.qvmm.qmp.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.QemuVersion;
import dev.qvmm.qmp.QmpException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One message QEMU sends on a QMP monitor: the greeting, a command's return or error, or an
 * asynchronous event. {@link #of(ObjectNode)} classifies a decoded JSON object; anything else is
 * a protocol violation.
 */
public sealed interface QmpMessage {

    /** The first message after connecting: QEMU's version and the capabilities it offers. */
    record Greeting(QemuVersion version, String packageName, List<String> capabilities)
            implements QmpMessage {
    }

    /** A successful reply; {@code id} is the id the command carried, or null. */
    record Return(JsonNode id, JsonNode value) implements QmpMessage {
    }

    /** An error reply: QAPI's error {@code class} and the human-readable {@code desc}. */
    record ErrorReply(JsonNode id, String errorClass, String desc) implements QmpMessage {
    }

    /** An asynchronous event with its data (an empty object when QEMU sent none). */
    record Event(String name, JsonNode data, Instant timestamp) implements QmpMessage {
    }

    /** Classifies one top-level JSON object received from QEMU. */
    static QmpMessage of(ObjectNode json) {
        JsonNode value;
        if ((value = json.get("return")) != null) {
            return new Return(json.get("id"), value);
        }
        if ((value = json.get("event")) != null) {
            JsonNode data = json.get("data");
            return new Event(value.asText(), data == null ? json.objectNode() : data, timestamp(json.get("timestamp")));
        }
        if ((value = json.get("error")) != null) {
            return new ErrorReply(json.get("id"), value.path("class").asText("GenericError"), value.path("desc").asText(""));
        }
        if ((value = json.get("QMP")) != null) {
            JsonNode version = value.path("version");
            JsonNode qemu = version.path("qemu");
            List<String> capabilities = new ArrayList<>();
            value.path("capabilities").forEach(c -> capabilities.add(c.asText()));
            return new Greeting(new QemuVersion(qemu.path("major").asInt(), qemu.path("minor").asInt(), qemu.path("micro").asInt()),
                    version.path("package").asText(""), List.copyOf(capabilities));
        }
        throw QmpException.protocol("message is neither a greeting, a reply nor an event: " + abbreviate(json.toString()), null);
    }

    private static Instant timestamp(JsonNode ts) {
        if (ts == null) {
            return Instant.EPOCH;
        }
        return Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000L);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
