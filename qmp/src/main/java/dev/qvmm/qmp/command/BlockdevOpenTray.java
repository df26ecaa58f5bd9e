package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code blockdev-open-tray}: opens a removable drive's tray (the guest may be asked to unlock it first). */
public record BlockdevOpenTray(String id, Boolean force) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-open-tray";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
