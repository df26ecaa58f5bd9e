package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code remove-fd}: removes an fd (or, with no fd, all of them) from an fd set. */
public record RemoveFd(@JsonProperty("fdset-id") int fdsetId, Integer fd) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "remove-fd";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
