package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code blockdev-add}: adds one block node. The arguments are the object itself, as rendered by qvmm-blockdev
 * (the same JSON the command line's {@code -blockdev} option takes).
 */
public record BlockdevAdd(ObjectNode options) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-add";
    }

    @Override
    public Object arguments() {
        return options;
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
