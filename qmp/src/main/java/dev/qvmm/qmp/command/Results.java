package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

/** Conversions of {@code return} values shared by the command records. */
final class Results {

    private Results() {
    }

    static <T> T as(ObjectMapper mapper, JsonNode value, Class<T> type) {
        return mapper.convertValue(value, type);
    }

    static <T> List<T> listOf(ObjectMapper mapper, JsonNode value, Class<T> element) {
        return List.copyOf(mapper.<List<T>>convertValue(value, mapper.getTypeFactory().constructCollectionType(List.class, element)));
    }
}
