package dev.qvmm.qmp.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qvmm.qmp.QmpException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Turns the byte stream of a QMP monitor into {@link QmpMessage}s in one pass: Jackson's
 * non-blocking parser tokenizes whatever bytes arrived and the tree of each top-level object is
 * built as its tokens come. Messages may be split at any byte or several may share one buffer;
 * no line framing is assumed (QEMU ends messages with CRLF, pretty-printed monitors do not).
 *
 * <p>Not thread-safe: one parser per connection, fed from one thread. A buffer passed to
 * {@link #feed} is fully consumed before the call returns, so the caller may release it.
 *
 * <p>Hazards: anything that is not a JSON object at the top level, more than
 * {@code maxMessageBytes} in one message, or nesting deeper than {@value #MAX_DEPTH} raises a
 * {@link QmpException} of kind {@code PROTOCOL}; the parser is unusable afterwards.
 */
public final class QmpMessageParser {

    static final int MAX_DEPTH = 256;

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final JsonParser parser;
    private final ByteBufferFeeder feeder;
    private final long maxMessageBytes;

    private final ContainerNode<?>[] stack = new ContainerNode<?>[MAX_DEPTH];
    private int depth;
    private String fieldName;
    private long messageStart;

    public QmpMessageParser(long maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
        // Jackson's own bounds (20 M chars per string by default) would otherwise fire before ours, inside a
        // string, with an exception that has no location; ours are checked on every buffer and name the byte.
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxMessageBytes + 1))
                        .maxNameLength((int) Math.min(Integer.MAX_VALUE, maxMessageBytes + 1))
                        .maxNestingDepth(MAX_DEPTH + 1)
                        .build())
                .build();
        try {
            this.parser = factory.createNonBlockingByteBufferParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
        }
        this.feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
    }

    /** Feeds bytes; every message they complete is classified and handed to {@code sink}, in order. */
    public void feed(ByteBuffer bytes, Consumer<? super QmpMessage> sink) {
        feedJson(bytes, json -> sink.accept(QmpMessage.of(json)));
    }

    /** Feeds bytes; every top-level JSON object they complete is handed to {@code sink}, in order. */
    public void feedJson(ByteBuffer bytes, Consumer<? super ObjectNode> sink) {
        try {
            feeder.feedInput(bytes);
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.NOT_AVAILABLE && token != null) {
                onToken(token, sink);
            }
        } catch (QmpException e) {
            throw e;
        } catch (StreamConstraintsException e) {
            // A backstop: the size check below normally stops a message first.
            throw QmpException.protocol("a message from QEMU is over a parsing limit at byte " + offset() + " ("
                    + e.getOriginalMessage() + "); the limit is " + maxMessageBytes + " bytes per message", e);
        } catch (JsonProcessingException e) {
            throw QmpException.protocol("not JSON from QEMU at byte " + offset() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw QmpException.protocol("cannot parse QMP input at byte " + offset() + ": " + e.getMessage(), e);
        }
        // Also between messages: a never-ending top-level string is as hostile as a never-ending object.
        checkSize();
    }

    /** Where the parser stands in the stream; the exception's own location may be absent (a constraint's has none). */
    private long offset() {
        return parser.currentLocation().getByteOffset();
    }

    /** Checked when a buffer ends inside a message and when a message ends, which may be in the same buffer. */
    private void checkSize() {
        if (parser.currentLocation().getByteOffset() - messageStart > maxMessageBytes) {
            throw QmpException.protocol("a message from QEMU, starting at byte " + messageStart + ", exceeds " + maxMessageBytes
                    + " bytes (QmpOptions.maxMessageBytes)", null);
        }
    }

    /** Whether the bytes fed so far end inside a message. */
    public boolean inMessage() {
        return depth > 0;
    }

    private void onToken(JsonToken token, Consumer<? super ObjectNode> sink) throws IOException {
        switch (token) {
            case START_OBJECT -> push(nodes.objectNode());
            case START_ARRAY -> {
                if (depth == 0) {
                    throw QmpException.protocol("a JSON array at the top level, expected an object", null);
                }
                push(nodes.arrayNode());
            }
            case END_OBJECT, END_ARRAY -> {
                ContainerNode<?> done = stack[--depth];
                stack[depth] = null;
                if (depth == 0) {
                    checkSize();
                    messageStart = offset();
                    sink.accept((ObjectNode) done);
                }
            }
            case FIELD_NAME -> fieldName = parser.currentName();
            case VALUE_STRING -> add(nodes.textNode(parser.getText()));
            case VALUE_NUMBER_INT -> add(switch (parser.getNumberType()) {
                case INT -> nodes.numberNode(parser.getIntValue());
                case LONG -> nodes.numberNode(parser.getLongValue());
                default -> nodes.numberNode(parser.getBigIntegerValue());
            });
            case VALUE_NUMBER_FLOAT -> add(nodes.numberNode(parser.getDoubleValue()));
            case VALUE_TRUE -> add(nodes.booleanNode(true));
            case VALUE_FALSE -> add(nodes.booleanNode(false));
            case VALUE_NULL -> add(nodes.nullNode());
            default -> throw QmpException.protocol("unexpected JSON token " + token, null);
        }
    }

    private void push(ContainerNode<?> node) {
        if (depth == 0) {
            // The non-blocking parser reports a token's location one past its first byte; the
            // current location is just past the '{' it has consumed, so this is exact.
            messageStart = parser.currentLocation().getByteOffset() - 1;
        } else {
            add(node);
            if (depth == MAX_DEPTH) {
                throw QmpException.protocol("a message from QEMU nests deeper than " + MAX_DEPTH, null);
            }
        }
        stack[depth++] = node;
    }

    private void add(JsonNode value) {
        if (depth == 0) {
            throw QmpException.protocol("a bare JSON value at the top level, expected an object", null);
        }
        ContainerNode<?> parent = stack[depth - 1];
        if (parent instanceof ObjectNode object) {
            object.set(fieldName, value);
        } else {
            ((ArrayNode) parent).add(value);
        }
    }
}
