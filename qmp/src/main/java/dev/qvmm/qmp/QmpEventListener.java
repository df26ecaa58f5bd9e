package dev.qvmm.qmp;

/**
 * Receives the events of one subscription, in the order QEMU sent them, on a thread that is not
 * the connection's I/O thread; calls for one subscription never overlap. A listener that falls
 * more than the subscription's buffer behind misses events, and is told so by
 * {@link #onOverflow(long)} at the point in the sequence where they were lost.
 */
@FunctionalInterface
public interface QmpEventListener {

    void onEvent(QmpEvent event);

    /** {@code lost} events were not delivered because this listener's buffer was full. */
    default void onOverflow(long lost) {
        System.getLogger(QmpEventListener.class.getName())
                .log(System.Logger.Level.WARNING, "QMP event listener " + this + " lost " + lost + " events (buffer full)");
    }

    /** The connection closed; no further calls follow. {@code cause} says why. */
    default void onClose(QmpException cause) {
    }
}
