package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code blockdev-insert-medium}: puts block node {@code nodeName} into an open, empty tray. */
public record BlockdevInsertMedium(String id, @JsonProperty("node-name") String nodeName) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-insert-medium";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
