package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** One property of {@code qom-list}; {@code type} is e.g. {@code child<virtio-blk-pci>} or {@code uint16}. */
public record ObjectPropertyInfo(String name, String type, String description, @JsonProperty("default-value") JsonNode defaultValue) {
}
