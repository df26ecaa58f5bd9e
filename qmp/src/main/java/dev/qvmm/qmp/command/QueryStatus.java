package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code query-status}: whether the vCPUs run, and the run state (running, paused, prelaunch, shutdown, io-error, ...). */
public record QueryStatus() implements QmpCommand<StatusInfo> {

    @Override
    public String command() {
        return "query-status";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public StatusInfo result(JsonNode value, ObjectMapper mapper) {
        return Results.as(mapper, value, StatusInfo.class);
    }
}
