package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code blockdev-close-tray}: closes a removable drive's tray. */
public record BlockdevCloseTray(String id) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-close-tray";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
