package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code blockdev-del}: removes a block node that nothing uses any more. */
public record BlockdevDel(@JsonProperty("node-name") String nodeName) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "blockdev-del";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
