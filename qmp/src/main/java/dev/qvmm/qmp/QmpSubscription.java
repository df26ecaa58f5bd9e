package dev.qvmm.qmp;

/** A registered event listener; {@link #close()} stops delivery (idempotent). */
public interface QmpSubscription extends AutoCloseable {

    /** Events this subscription has lost to overflow so far. */
    long lost();

    @Override
    void close();
}
