package dev.qvmm.virtiofsd;

import java.util.ArrayList;
import java.util.List;

/**
 * The two virtiofsd implementations, which take different flags for the same things. Both take
 * {@code --fd=N}: the listening socket comes from qvmm, so neither needs {@code --socket-path}
 * (nor writes the pid file the C one keeps beside a socket path).
 */
public enum Flavour {
    /** The C daemon shipped with QEMU up to 7.2 ({@code /usr/lib/qemu/virtiofsd}): FUSE-style {@code -o} options. */
    C,
    /** The Rust daemon (virtiofsd 1.x, {@code /usr/libexec/virtiofsd}): long options. */
    RUST;

    /** The daemon's arguments (without the binary) for {@code share} on the inherited listening socket {@code fd}. */
    public List<String> arguments(ShareOptions share, int fd) {
        List<String> a = new ArrayList<>();
        a.add("--fd=" + fd);
        switch (this) {
            case C -> {
                a.add("-o");
                a.add("source=" + share.sharedDir());
                a.add("-o");
                a.add("cache=" + switch (share.cache()) {
                    case AUTO -> "auto";
                    case ALWAYS -> "always";
                    case NONE -> "none";
                });
                a.add("-o");
                a.add("sandbox=namespace");
            }
            case RUST -> {
                a.add("--shared-dir=" + share.sharedDir());
                a.add("--cache=" + switch (share.cache()) {
                    case AUTO -> "auto";
                    case ALWAYS -> "always";
                    case NONE -> "never";
                });
                a.add("--sandbox=namespace");
                a.add("--announce-submounts");
            }
        }
        return a;
    }
}
