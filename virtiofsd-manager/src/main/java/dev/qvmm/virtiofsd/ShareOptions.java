package dev.qvmm.virtiofsd;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One share as virtiofsd serves it.
 *
 * @param tag       the filesystem's name, which the guest mounts; only for messages and thread names here
 * @param sharedDir the host directory the guest sees; must exist
 * @param cache     the cache policy
 * @param runAs     run the daemon as this uid/gid instead of as qvmm's user (see {@link RunAs} for the limits)
 */
public record ShareOptions(String tag, Path sharedDir, Cache cache, Optional<RunAs> runAs) {

    public ShareOptions {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(sharedDir, "sharedDir");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(runAs, "runAs");
    }

    /** Cache auto, run as qvmm's own user. */
    public static ShareOptions of(String tag, Path sharedDir) {
        return new ShareOptions(tag, sharedDir, Cache.AUTO, Optional.empty());
    }

    /**
     * An unprivileged daemon: it runs with this uid and gid and no supplementary groups, as root
     * of a user namespace of its own (so its namespace sandbox still works; the host must allow
     * unprivileged user namespaces). Limits: it reaches only what that user may on the host;
     * every file the guest creates belongs to that uid/gid on the host, whatever uid the guest
     * uses, and the guest cannot chown to anyone else (only uid 0 inside maps to a host uid);
     * files of other users appear to the guest as owned by nobody (65534); no extended
     * attributes (xattrs stay off, as by default).
     */
    public record RunAs(int uid, int gid) {
        public RunAs {
            if (uid < 0 || gid < 0) {
                throw new IllegalArgumentException("uid " + uid + " and gid " + gid + " must not be negative");
            }
        }
    }
}
