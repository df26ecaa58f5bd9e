package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** {@code query-fdsets}: the fd sets and the descriptors in each. */
public record QueryFdsets() implements QmpCommand<List<FdsetInfo>> {

    @Override
    public String command() {
        return "query-fdsets";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public List<FdsetInfo> result(JsonNode value, ObjectMapper mapper) {
        return Results.listOf(mapper, value, FdsetInfo.class);
    }
}
