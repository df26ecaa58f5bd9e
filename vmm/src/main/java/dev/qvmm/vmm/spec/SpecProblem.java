package dev.qvmm.vmm.spec;

import java.util.Objects;

/**
 * One admission-rule violation: the field path as KubeVirt writes it
 * ({@code spec.domain.devices.disks[2].lun}), the rule broken (stable, for callers and tests), and
 * a message for people saying what was wrong and what to do.
 */
public record SpecProblem(String path, Rule rule, String message) {

    /** The rules, one per admission check. Tests and callers switch on these, never on text. */
    public enum Rule {
        /** A field that must be present is missing or empty. */
        REQUIRED,
        /**
         * A name or key that breaks Kubernetes' rules for it (DNS-1123 subdomain or label, ConfigMap key), or a path
         * inside an image that is not absolute or has relative components: names become host paths, so these are
         * refused, never repaired.
         */
        INVALID_NAME,
        /** A value of the wrong type or shape (YAML scalar where an object belongs, "yes" for a number...). */
        INVALID_TYPE,
        /** A Kubernetes quantity that cannot be read, or is negative. */
        INVALID_QUANTITY,
        /** Two disks, filesystems or volumes with the same name. */
        DUPLICATE_NAME,
        /** A disk or filesystem names a volume that does not exist. */
        VOLUME_NOT_FOUND,
        /** A volume used by more than one disk or filesystem. */
        VOLUME_USED_TWICE,
        /** A volume with no source, or more than one. */
        VOLUME_SOURCE_COUNT,
        /** A disk with none, or more than one, of disk/lun/cdrom/floppy. */
        DISK_DEVICE_COUNT,
        /** A file-based volume (containerDisk, emptyDisk, ephemeral, hostDisk, cloud-init, config disks) as a lun. */
        LUN_ON_FILE_VOLUME,
        /** A bus that does not exist or that this disk type cannot use. */
        UNSUPPORTED_BUS,
        /** A disk on sata with readOnly: ide-hd cannot be read-only. */
        READONLY_SATA_DISK,
        /** A serial outside [A-Za-z0-9_.+-]{1,256}. */
        INVALID_SERIAL,
        /** bootOrder not greater than zero. */
        INVALID_BOOT_ORDER,
        /** Two disks with the same bootOrder. */
        DUPLICATE_BOOT_ORDER,
        /** dedicatedIOThread on a bus without iothread support. */
        DEDICATED_IOTHREAD_BUS,
        /** ioThreadsPolicy other than shared or auto. */
        INVALID_IOTHREADS_POLICY,
        /** blockMultiQueue without an explicit CPU count. */
        MULTIQUEUE_WITHOUT_CPU,
        /** errorPolicy other than stop, report, ignore, enospace. */
        INVALID_ERROR_POLICY,
        /** cache other than none, writethrough, writeback. */
        INVALID_CACHE,
        /** A shareable disk with a cache mode other than none. */
        SHAREABLE_CACHE,
        /** io other than native or threads. */
        INVALID_IO,
        /** emptyDisk capacity missing or not above zero. */
        EMPTYDISK_CAPACITY,
        /** hostDisk without path, with an unknown type, or with capacity and type Disk. */
        HOSTDISK,
        /** lun.reservation while the host does not enable persistent reservation. */
        RESERVATION_DISABLED,
        /** Neither resources.requests.memory nor memory.guest. */
        MEMORY_REQUIRED,
        /** A machine type other than q35. */
        UNSUPPORTED_MACHINE,
        /** A field that qvmm reads but whose value it cannot honour (e.g. a cdrom tray, a usb cdrom). */
        UNSUPPORTED_VALUE,
        /** The stream has no VM, more than one, or an object qvmm does not know. */
        DOCUMENT,
        /** The input is over one of the reader's limits: total bytes, documents, nesting depth, string length. */
        INPUT_LIMIT,
        /** A YAML alias ({@code *name}) or merge key: qvmm does not read them. */
        YAML_ALIAS,
        /** A key given twice in one mapping. */
        DUPLICATE_KEY,
        /** Inline cloud-init user or network data over KubeVirt's limit (2048 bytes each). */
        CLOUD_INIT_DATA_LIMIT,
        /**
         * blockSize.custom: a size not a power of two from 512 to 2 MiB, logical above physical, logical other than
         * 512 on sata, a discard granularity not a multiple of the logical size, or custom sizes with matchVolume.
         */
        INVALID_BLOCK_SIZE,
        /**
         * A volume or DataVolume source KubeVirt or CDI knows that qvmm does not run (sysprep, downwardAPI, memoryDump,
         * containerPath; gcs, imageio, vddk, snapshot, sourceRef), refused by name with the reason.
         */
        UNSUPPORTED_SOURCE,
        /** More than one serviceAccount, or more than one downwardMetrics, volume. */
        SINGLE_VOLUME_KIND,
        /** Cloud-init user data, or network data, given more than one way (plain, base64, a Secret). */
        CLOUD_INIT_DATA_SOURCES,
        /** A DataVolume with both spec.pvc and spec.storage. */
        CLAIM_SPEC_COUNT,
        /** A DataVolume's spec.pvc without exactly one access mode, or an access mode Kubernetes does not have. */
        INVALID_ACCESS_MODE,
        /** A dataVolumeTemplate no volume of the VM's template names. */
        UNREFERENCED_TEMPLATE,
        /** A dataVolumeTemplate or clone source in another namespace than the VM's or DataVolume's. */
        NAMESPACE_MISMATCH,
        /** A number below its minimum or above its maximum (a negative grace period, memory beyond what QEMU runs). */
        OUT_OF_RANGE,
        /** An interface with no binding or more than one, or a binding qvmm does not run. */
        INTERFACE_BINDING,
        /** An interface without its network of the same name, a network without its interface, or two pod networks. */
        INTERFACE_NETWORK,
        /** A macAddress that is not six hex octets, or a multicast one. */
        INVALID_MAC,
        /** Two ports of an interface with the same port and protocol. */
        DUPLICATE_PORT
    }

    public SpecProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
