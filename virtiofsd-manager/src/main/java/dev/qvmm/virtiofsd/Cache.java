package dev.qvmm.virtiofsd;

/**
 * virtiofsd's cache policy: how long the guest may trust what it cached. {@link #AUTO} (the
 * default) revalidates after about a second, so host changes show in the guest within that time.
 */
public enum Cache {
    /** Cache with a short timeout; host changes appear after it (default). */
    AUTO,
    /** Cache without revalidation: fastest, for directories only the guest changes. */
    ALWAYS,
    /** No caching: every access goes to the host ({@code none} in the C daemon, {@code never} in the Rust one). */
    NONE
}
