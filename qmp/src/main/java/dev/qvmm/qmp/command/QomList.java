package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** {@code qom-list}: the properties (and children) of a QOM object. */
public record QomList(String path) implements QmpCommand<List<ObjectPropertyInfo>> {

    @Override
    public String command() {
        return "qom-list";
    }

    @Override
    public List<ObjectPropertyInfo> result(JsonNode value, ObjectMapper mapper) {
        return Results.listOf(mapper, value, ObjectPropertyInfo.class);
    }
}
