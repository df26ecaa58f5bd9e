package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code device_del}: asks the guest to release a device; it is gone when DEVICE_DELETED arrives. */
public record DeviceDel(String id) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "device_del";
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
