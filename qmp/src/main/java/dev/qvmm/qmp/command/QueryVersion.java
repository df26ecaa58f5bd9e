package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code query-version}: QEMU's version and package string. */
public record QueryVersion() implements QmpCommand<VersionInfo> {

    @Override
    public String command() {
        return "query-version";
    }

    @Override
    public Object arguments() {
        return null;
    }

    @Override
    public VersionInfo result(JsonNode value, ObjectMapper mapper) {
        return Results.as(mapper, value, VersionInfo.class);
    }
}
