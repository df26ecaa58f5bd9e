package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code device_add}: adds a device (hotplug). The arguments are the object itself, as rendered by qvmm-blockdev
 * (the same JSON the command line's {@code -device} option takes).
 */
public record DeviceAdd(ObjectNode properties) implements QmpCommand<Void> {

    @Override
    public String command() {
        return "device_add";
    }

    @Override
    public Object arguments() {
        return properties;
    }

    @Override
    public Void result(JsonNode value, ObjectMapper mapper) {
        return null;
    }
}
