package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** {@code query-iothreads}: the iothread objects and their host thread ids. */
public record QueryIothreads() implements QmpCommand<List<IOThreadInfo>> {

    @Override
    public String command() {
        return "query-iothreads";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public List<IOThreadInfo> result(JsonNode value, ObjectMapper mapper) {
        return Results.listOf(mapper, value, IOThreadInfo.class);
    }
}
