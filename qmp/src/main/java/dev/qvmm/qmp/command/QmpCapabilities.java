package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code qmp_capabilities}: leaves capabilities negotiation mode, enabling the listed capabilities (e.g. {@code oob}). */
public record QmpCapabilities(java.util.Set<String> enable) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "qmp_capabilities";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
