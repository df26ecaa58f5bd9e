package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** {@code query-block}: the block backends of the devices, with what is inserted and the tray state. */
public record QueryBlock() implements QmpCommand<List<BlockInfo>> {

    @Override
    public String command() {
        return "query-block";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public List<BlockInfo> result(JsonNode value, ObjectMapper mapper) {
        return Results.listOf(mapper, value, BlockInfo.class);
    }
}
