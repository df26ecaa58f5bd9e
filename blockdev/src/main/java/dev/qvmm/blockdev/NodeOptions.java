package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Options every block node carries. {@code cacheDirect} is O_DIRECT on this node; QEMU does not pass
 * cache options down to nodes defined separately, so the planner sets them on each node of a chain.
 *
 * @param readOnly     the node is opened read-only
 * @param cacheDirect  {@code cache.direct}
 * @param discard      whether discard requests pass through
 * @param detectZeroes zero-write detection; {@link DetectZeroes#UNMAP} requires {@link Discard#UNMAP}
 */
public record NodeOptions(boolean readOnly, boolean cacheDirect, Discard discard, DetectZeroes detectZeroes) {

    public NodeOptions {
        Objects.requireNonNull(discard, "discard");
        Objects.requireNonNull(detectZeroes, "detectZeroes");
        if (detectZeroes == DetectZeroes.UNMAP && discard != Discard.UNMAP) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "detect-zeroes",
                    "detect-zeroes \"unmap\" needs discard \"unmap\", not \"" + discard.qemu() + "\"");
        }
    }

    void render(ObjectNode o) {
        o.put("read-only", readOnly);
        ObjectNode cache = Json.object();
        cache.put("direct", cacheDirect);
        cache.put("no-flush", false);
        o.set("cache", cache);
        o.put("discard", discard.qemu());
        o.put("detect-zeroes", detectZeroes.qemu());
    }
}
