package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code block_resize}: grows or shrinks a block node to {@code size} bytes; the guest is told. */
public record BlockResize(String device, @JsonProperty("node-name") String nodeName, long size) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "block_resize";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
