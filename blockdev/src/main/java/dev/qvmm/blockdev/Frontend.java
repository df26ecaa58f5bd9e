package dev.qvmm.blockdev;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What a disk frontend shows the guest about its backend, common to virtio-blk, SCSI, IDE and USB
 * disks: the node it reads ({@code drive}), {@code serial}, {@code bootindex}, {@code write-cache}
 * (the guest-visible volatile cache), {@code share-rw}, the error policy, and the block sizes when the
 * spec sets them (else QEMU's defaults: 512 logical and physical).
 */
public record Frontend(NodeName drive, Optional<String> serial, OptionalInt bootindex, boolean writeCache,
                       boolean shareRw, OnError werror, OnError rerror, Optional<BlockSizes> blockSizes) {

    /** QEMU itself accepts longer serials on some devices; this is KubeVirt's rule, kept here too. */
    private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9_.+-]{1,256}");

    public Frontend {
        Objects.requireNonNull(drive, "drive");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(bootindex, "bootindex");
        Objects.requireNonNull(werror, "werror");
        Objects.requireNonNull(rerror, "rerror");
        Objects.requireNonNull(blockSizes, "blockSizes");
        serial.ifPresent(s -> {
            if (!SERIAL.matcher(s).matches()) {
                throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "serial",
                        "serial \"" + s + "\" must be 1 to 256 of [A-Za-z0-9_.+-]");
            }
        });
        if (bootindex.isPresent() && bootindex.getAsInt() < 0) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_PROPERTY, "bootindex",
                    "bootindex " + bootindex.getAsInt() + " is negative");
        }
    }

    /** A frontend with QEMU's default block sizes. */
    public Frontend(NodeName drive, Optional<String> serial, OptionalInt bootindex, boolean writeCache,
                    boolean shareRw, OnError werror, OnError rerror) {
        this(drive, serial, bootindex, writeCache, shareRw, werror, rerror, Optional.empty());
    }

    /** Renders every property; {@code withSerial}/{@code withWriteCache} false for devices without them. */
    void render(ObjectNode o, boolean withSerial, boolean withWriteCache) {
        o.put("drive", drive.value());
        if (withSerial) {
            serial.ifPresent(s -> o.put("serial", s));
        }
        bootindex.ifPresent(b -> o.put("bootindex", b));
        if (withWriteCache) {
            o.put("write-cache", writeCache ? "on" : "off");
        }
        o.put("share-rw", shareRw);
        o.put("werror", werror.qemu());
        o.put("rerror", rerror.qemu());
        blockSizes.ifPresent(b -> b.render(o));
    }
}
