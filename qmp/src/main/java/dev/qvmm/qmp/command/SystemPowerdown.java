package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code system_powerdown}: Presses the ACPI power button; a guest that listens shuts down (POWERDOWN, then SHUTDOWN). */
public record SystemPowerdown() implements QmpCommand<Void> {

    @Override
    public String command() {
        return "system_powerdown";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
