package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** {@code query-named-block-nodes}: every named block node (with {@code flat}, without the backing chain nested in each). */
public record QueryNamedBlockNodes(Boolean flat) implements QmpCommand<List<BlockDeviceInfo>> {

    @Override
    public String command() {
        return "query-named-block-nodes";
    }

    @Override
    public List<BlockDeviceInfo> result(JsonNode value, ObjectMapper mapper) {
        return Results.listOf(mapper, value, BlockDeviceInfo.class);
    }
}
