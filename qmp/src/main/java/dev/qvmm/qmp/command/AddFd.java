package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code add-fd}: puts the file descriptor sent with this command into an fd set; use {@link dev.qvmm.qmp.QmpClient#addFd}. */
public record AddFd(@JsonProperty("fdset-id") Integer fdsetId, String opaque) implements QmpCommand<AddfdInfo> {

    @Override
    public String command() {
        return "add-fd";
    }

    @Override
    public AddfdInfo result(JsonNode value, ObjectMapper mapper) {
        return Results.as(mapper, value, AddfdInfo.class);
    }
}
