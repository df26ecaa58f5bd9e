package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code cont}: Resumes all vCPUs; QEMU emits RESUME. */
public record Cont() implements QmpCommand<Void> {

    @Override
    public String command() {
        return "cont";
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
