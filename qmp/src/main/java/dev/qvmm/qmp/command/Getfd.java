package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code getfd}: stores the file descriptor sent with this command under {@code fdname}; use {@link dev.qvmm.qmp.QmpClient#getfd}. */
public record Getfd(String fdname) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "getfd";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
