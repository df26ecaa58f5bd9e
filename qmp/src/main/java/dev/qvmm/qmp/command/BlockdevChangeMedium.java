package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code blockdev-change-medium}: opens the tray, replaces the medium with {@code filename} and closes it. */
public record BlockdevChangeMedium(String id, String filename, String format, @JsonProperty("read-only-mode") String readOnlyMode, Boolean force) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-change-medium";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
