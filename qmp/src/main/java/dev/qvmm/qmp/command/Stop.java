package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code stop}: Pauses all vCPUs; QEMU emits STOP. */
public record Stop() implements QmpCommand<Void> {

    @Override
    public String command() {
        return "stop";
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
