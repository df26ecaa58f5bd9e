package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code quit}: Makes QEMU exit at once (no guest shutdown); the connection closes. */
public record Quit() implements QmpCommand<Void> {

    @Override
    public String command() {
        return "quit";
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
