package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code object-add}: adds a QOM object. The arguments are the object itself, as rendered by qvmm-blockdev
 * (the same JSON the command line's {@code -object} option takes).
 */
public record ObjectAdd(ObjectNode properties) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "object-add";
    }

    @Override
    public Object arguments() {
        return properties;
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
