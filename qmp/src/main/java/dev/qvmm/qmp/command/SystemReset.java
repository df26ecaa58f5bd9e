package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code system_reset}: Resets the machine (RESET). */
public record SystemReset() implements QmpCommand<Void> {

    @Override
    public String command() {
        return "system_reset";
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
