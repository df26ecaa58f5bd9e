package dev.qvmm.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The QAPI schema of a running QEMU ({@code query-qmp-schema}), indexed by entity name. Types in
 * it have numeric names that differ between builds, so capability probes walk from a command:
 * {@code schema.enumValues(schema.memberType(schema.argumentType("blockdev-add"), "aio"))}... in
 * practice via {@link #acceptsEnumValue}. Probe the schema, never the version number.
 */
public final class QmpSchema {

    private final Map<String, JsonNode> entities = new HashMap<>();

    public QmpSchema(JsonNode entries) {
        for (JsonNode e : entries) {
            entities.put(e.path("name").asText(), e);
        }
    }

    public Optional<JsonNode> entity(String name) {
        return Optional.ofNullable(entities.get(name));
    }

    public boolean hasCommand(String name) {
        return entity(name).filter(e -> "command".equals(e.path("meta-type").asText())).isPresent();
    }

    public boolean hasEvent(String name) {
        return entity(name).filter(e -> "event".equals(e.path("meta-type").asText())).isPresent();
    }

    /** The schema name of {@code command}'s argument type, or empty when it has none. */
    public Optional<String> argumentType(String command) {
        return entity(command).map(e -> e.path("arg-type").asText(null));
    }

    /**
     * The type of member {@code member} of object type {@code type}, searching the variants of a
     * union too (blockdev-add's options are a union on {@code driver}).
     */
    public Optional<String> memberType(String type, String member) {
        JsonNode t = entities.get(type);
        if (t == null) {
            return Optional.empty();
        }
        for (JsonNode m : t.path("members")) {
            if (member.equals(m.path("name").asText())) {
                return Optional.of(m.path("type").asText());
            }
        }
        for (JsonNode v : t.path("variants")) {
            Optional<String> found = memberType(v.path("type").asText(), member);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The values of enum type {@code type}; empty when it is not an enum. */
    public Set<String> enumValues(String type) {
        Set<String> values = new LinkedHashSet<>();
        JsonNode t = entities.get(type);
        if (t != null) {
            t.path("values").forEach(v -> values.add(v.asText()));
            t.path("members").forEach(m -> { if (!m.has("type")) values.add(m.path("name").asText()); });
        }
        return values;
    }

    /** Whether {@code command}'s argument {@code member} (an enum) accepts {@code value}. */
    public boolean acceptsEnumValue(String command, String member, String value) {
        return argumentType(command).flatMap(t -> memberType(t, member)).map(this::enumValues)
                .map(v -> v.contains(value)).orElse(false);
    }

    public int size() {
        return entities.size();
    }
}
