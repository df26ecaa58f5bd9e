package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code blockdev-remove-medium}: takes the medium out of an open tray. */
public record BlockdevRemoveMedium(String id) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-remove-medium";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
