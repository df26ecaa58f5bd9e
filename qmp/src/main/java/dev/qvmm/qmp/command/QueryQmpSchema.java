package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code query-qmp-schema}: the QAPI schema this QEMU speaks, for capability probes. */
public record QueryQmpSchema() implements QmpCommand<QmpSchema> {

    @Override
    public String command() {
        return "query-qmp-schema";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public QmpSchema result(JsonNode value, ObjectMapper mapper) {
        return new QmpSchema(value);
    }
}
