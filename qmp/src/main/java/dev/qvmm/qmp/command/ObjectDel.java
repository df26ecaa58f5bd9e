package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code object-del}: removes a QOM object (iothread, secret, pr-manager, memory backend). */
public record ObjectDel(String id) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "object-del";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
