package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code qom-get}: one property of a QOM object, e.g. {@code num-queues} of {@code /machine/peripheral/disk0}. */
public record QomGet(String path, String property) implements QmpCommand<JsonNode> {

    @Override
    public String command() {
        return "qom-get";
    }

    @Override
    public JsonNode result(JsonNode value, ObjectMapper mapper) {
        return value;
    }
}
