package dev.qvmm.blockdev;

/** Checks shared by the protocol nodes. */
final class Protocol {

    private Protocol() {
    }

    static void checkAio(NodeName node, Aio aio, NodeOptions options) {
        if (aio == Aio.NATIVE && !options.cacheDirect()) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, node.value(),
                    "node \"" + node + "\": aio \"native\" needs cache.direct=on");
        }
    }
}
