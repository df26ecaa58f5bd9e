package dev.qvmm.qmp.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.qvmm.qmp.QemuVersion;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A realistic stretch of what QEMU sends on a monitor, as bytes and as the messages it must
 * decode to. Shared by the parser and the Netty decoder tests so both prove the same thing.
 *
 * <p>The strings hold two- to four-byte UTF-8 sequences and JSON escapes (a surrogate pair among
 * them), and the numbers reach past {@code long} and past {@code double}'s exact range, because a
 * split inside any of those is where a streaming decoder goes wrong.
 */
public final class QmpTranscript {

    /** The largest value QEMU's uint64 fields (sizes, offsets) can take. */
    public static final BigInteger UINT64_MAX = new BigInteger("18446744073709551615");
    /** Odd and above 2^53: a parser that goes through {@code double} loses the last digit. */
    public static final long PAST_DOUBLE = 9_007_199_254_740_993L;
    /** Multi-byte UTF-8 of every length, spelled out so the source file's encoding cannot matter. */
    public static final String UNICODE = "caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude00";

    public static final String TEXT = ""
            + "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7\"},"
            + " \"capabilities\": [\"oob\"]}}\r\n"
            + "{\"return\": {}, \"id\": 1}\r\n"
            + "{\"id\": 2, \"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'disk9' not found\"}}\r\n"
            + "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 123456}, \"event\": \"DEVICE_DELETED\","
            + " \"data\": {\"path\": \"/machine/peripheral/disk1\", \"device\": \"disk1\"}}\r\n"
            + "{\"return\": [{\"device\": \"\", \"qdev\": \"/machine/peripheral/disk1/virtio-backend\","
            + " \"inserted\": {\"node-name\": \"fmt-" + UNICODE + "\", \"ro\": false, \"bps\": 0,"
            + " \"image\": {\"virtual-size\": " + UINT64_MAX + ", \"actual-size\": " + PAST_DOUBLE + ","
            + " \"filename\": \"/var/lib/vm/\\u00e9t\\u00e9 \\ud83d\\ude00.qcow2\", \"format\": \"qcow2\","
            + " \"format-specific\": {\"type\": \"qcow2\", \"data\": {\"compat\": \"1.1\", \"refcount-bits\": 16,"
            + " \"bitmaps\": [[], [{\"name\": \"b0\", \"flags\": [\"auto\"], \"granularity\": 65536}]]}}},"
            + " \"cache\": {\"writeback\": true, \"direct\": true, \"no-flush\": false}, \"iops\": null, \"ratio\": 0.5}},"
            + " {\"device\": \"ide1-cd0\", \"tray_open\": true, \"locked\": false}], \"id\": 3}\r\n"
            + "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 7}}\r\n";

    public static final byte[] BYTES = TEXT.getBytes(StandardCharsets.UTF_8);

    private QmpTranscript() {
    }

    /** What {@link #BYTES} decodes to, written out independently of the parser under test. */
    public static List<QmpMessage> expected() {
        return List.of(
                new QmpMessage.Greeting(new QemuVersion(7, 2, 0), "Debian 1:7.2+dfsg-7", List.of("oob")),
                new QmpMessage.Return(IntNode.valueOf(1), json("{}")),
                new QmpMessage.ErrorReply(IntNode.valueOf(2), "DeviceNotFound", "Device 'disk9' not found"),
                new QmpMessage.Event("DEVICE_DELETED",
                        json("{\"path\": \"/machine/peripheral/disk1\", \"device\": \"disk1\"}"),
                        Instant.ofEpochSecond(1_700_000_000L, 123_456_000L)),
                new QmpMessage.Return(IntNode.valueOf(3), json(TEXT.lines().toList().get(4)).get("return")),
                new QmpMessage.Event("STOP", json("{}"), Instant.ofEpochSecond(1_700_000_001L, 7_000L)));
    }

    /** A tree read by Jackson's ordinary blocking parser: the reference the streaming one must match. */
    public static JsonNode json(String text) {
        try {
            return QmpJson.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
