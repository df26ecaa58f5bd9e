package dev.qvmm.blockdev;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.TreeMap;

/**
 * The one JSON rendering of nodes, devices and objects: {@link ObjectNode}s whose keys are always
 * sorted, so the same model prints byte-for-byte the same argument on the command line, in QMP and
 * in golden files.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** A new empty object whose keys stay sorted however they are added. */
    public static ObjectNode object() {
        return new ObjectNode(JsonNodeFactory.instance, new TreeMap<>());
    }

    /** Compact single-line JSON, as QEMU's {@code -blockdev}/{@code -device}/{@code -object} take it. */
    public static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
