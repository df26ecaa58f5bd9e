package dev.qvmm.qmp.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.qmp.QmpException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Encodes one QMP command, {@code {"execute"|"exec-oob": name, "arguments": {...}, "id": n}},
 * as the bytes sent to QEMU. Arguments are anything Jackson can write as a JSON object (a
 * command record, a {@link JsonNode}); null means no arguments. Thread-safe.
 */
public final class QmpCommandEncoder {

    private final ObjectMapper mapper;

    public QmpCommandEncoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public byte[] encode(String command, Object arguments, long id, boolean oob) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField(oob ? "exec-oob" : "execute", command);
            if (arguments != null) {
                json.writeFieldName("arguments");
                if (arguments instanceof JsonNode tree) {
                    mapper.writeTree(json, tree);
                } else {
                    mapper.writeValue(json, arguments);
                }
            }
            json.writeNumberField("id", id);
            json.writeEndObject();
        } catch (IOException | IllegalArgumentException e) {
            throw QmpException.encoding(command, e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
