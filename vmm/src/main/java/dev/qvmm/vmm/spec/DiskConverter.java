package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.DiskDtos;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * {@code spec.domain.devices.disks[]} into {@link DiskSpec}s with KubeVirt's amd64 defaults (sata
 * for disk and cdrom, cdrom read-only) and every per-disk admission rule. qvmm defaults a lun to
 * scsi, because SCSI passthrough needs a SCSI bus. Rules that span disks live in {@link SpecRules}.
 */
final class DiskConverter {

    private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9_.+-]{1,256}");

    private final Problems problems;
    private final Map<String, Volume> volumes;
    private final java.util.Set<String> invalidVolumes;
    private final SpecContext context;

    /** {@code named}: every volume name in the spec, including those whose problems are already reported. */
    DiskConverter(Problems problems, Map<String, Volume> volumes, java.util.Set<String> named, SpecContext context) {
        this.problems = problems;
        this.volumes = volumes;
        this.invalidVolumes = new java.util.HashSet<>(named);
        this.invalidVolumes.removeAll(volumes.keySet());
        this.context = context;
    }

    List<DiskSpec> convert(List<DiskDtos.Disk> disks, String path) {
        List<DiskSpec> out = new ArrayList<>();
        if (disks == null) {
            return out;
        }
        for (int i = 0; i < disks.size(); i++) {
            DiskDtos.Disk d = disks.get(i);
            String p = Problems.index(path, i);
            if (d == null) {
                problems.error(p, SpecProblem.Rule.REQUIRED, "empty disk entry");
                continue;
            }
            disk(d, p).ifPresent(out::add);
        }
        return out;
    }

    /** The volume a disk or filesystem refers to: its own name in v1, {@code volumeName} in v1alpha1. */
    Optional<Volume> volumeOf(String name, String volumeName, String p) {
        String ref = volumeName != null ? volumeName : name;
        Volume v = volumes.get(ref);
        if (v == null && !invalidVolumes.contains(ref)) {
            problems.error(volumeName != null ? p + ".volumeName" : p + ".name", SpecProblem.Rule.VOLUME_NOT_FOUND,
                    "no volume named \"" + ref + "\" in spec.volumes; every disk and filesystem must name one");
        }
        return Optional.ofNullable(v);
    }

    private Optional<DiskSpec> disk(DiskDtos.Disk d, String p) {
        if (d.name() == null || d.name().isBlank()) {
            problems.error(p + ".name", SpecProblem.Rule.REQUIRED, "every disk needs a name");
            return Optional.empty();
        }
        if (!ObjectNames.check(problems, p + ".name", ObjectNames.Kind.DEVICE, d.name())) {
            return Optional.empty();
        }
        int before = problems.problems.size();
        Optional<Volume> volume = volumeOf(d.name(), d.volumeName(), p);

        List<String> kinds = new ArrayList<>();
        if (d.disk() != null) kinds.add("disk");
        if (d.lun() != null) kinds.add("lun");
        if (d.cdrom() != null) kinds.add("cdrom");
        if (d.floppy() != null) kinds.add("floppy");
        if (kinds.size() > 1) {
            problems.error(p, SpecProblem.Rule.DISK_DEVICE_COUNT, "disk \"" + d.name()
                    + "\" sets " + String.join(" and ", kinds) + "; choose one of disk, lun, cdrom, floppy");
            return Optional.empty();
        }
        String kind = kinds.isEmpty() ? "disk" : kinds.getFirst();
        String kp = p + "." + kind;
        DiskDevice device;
        String busText;
        Boolean readonly;
        switch (kind) {
            case "lun" -> {
                boolean reservation = Boolean.TRUE.equals(d.lun().reservation());
                if (reservation && !context.persistentReservation()) {
                    problems.error(kp + ".reservation", SpecProblem.Rule.RESERVATION_DISABLED,
                            "persistent reservation is not enabled on this host; enable it in the host config "
                                    + "(it runs qemu-pr-helper) or remove reservation: true");
                }
                device = new DiskDevice.Lun(reservation);
                busText = d.lun().bus();
                readonly = d.lun().readonly();
            }
            case "cdrom" -> {
                device = new DiskDevice.Cdrom();
                busText = d.cdrom().bus();
                readonly = d.cdrom().readonly() == null ? Boolean.TRUE : d.cdrom().readonly();
                if (d.cdrom().tray() != null && !"closed".equals(d.cdrom().tray())) {
                    problems.error(kp + ".tray", SpecProblem.Rule.UNSUPPORTED_VALUE,
                            "tray \"" + d.cdrom().tray() + "\" is not supported; a cdrom starts with its tray closed");
                }
            }
            case "floppy" -> {
                device = new DiskDevice.Floppy();
                busText = "fdc";
                readonly = d.floppy().readonly();
            }
            default -> {
                device = new DiskDevice.Disk();
                busText = d.disk() == null ? null : d.disk().bus();
                readonly = d.disk() == null ? null : d.disk().readonly();
            }
        }
        Optional<Bus> bus = bus(device, busText, kp + ".bus");
        Optional<BlockSize> blockSize = DiskAdmission.blockSize(problems, d.blockSize(), device, bus, p);
        boolean metrics = volume.isPresent() && volume.get().source() instanceof VolumeSource.DownwardMetrics;
        boolean readOnly = Boolean.TRUE.equals(readonly) || volume.map(v -> switch (v.source()) {
            case VolumeSource.PersistentVolumeClaim c -> c.readOnly();
            case VolumeSource.DataVolume c -> c.readOnly();
            // The guest only reads it; qvmm rewrites it under the guest (as KubeVirt's <readonly/>).
            case VolumeSource.DownwardMetrics m -> true;
            default -> false;
        }).orElse(false);
        if (metrics && (!(device instanceof DiskDevice.Disk) || bus.orElse(null) != Bus.VIRTIO)) {
            problems.error(kp, SpecProblem.Rule.UNSUPPORTED_BUS, "volume \"" + volume.get().name()
                    + "\" is downwardMetrics, a raw disk the guest reads as vhostmd does; attach it as disk: {bus: virtio}");
        }
        if (device instanceof DiskDevice.Disk && bus.orElse(null) == Bus.SATA && readOnly && !metrics) {
            problems.error(kp + ".readonly", SpecProblem.Rule.READONLY_SATA_DISK, "disk \"" + d.name()
                    + "\" is read-only on a sata bus, which QEMU's ide-hd cannot present; use bus virtio or scsi, or a cdrom");
        }
        if (device instanceof DiskDevice.Lun && volume.isPresent() && volume.get().source().fileBased()) {
            VolumeSource s = volume.get().source();
            problems.error(kp, SpecProblem.Rule.LUN_ON_FILE_VOLUME, "volume \"" + volume.get().name() + "\" is a "
                    + s.specName() + " (file-based) and cannot be attached as a lun; use disk: {}");
        }
        if (d.serial() != null && !SERIAL.matcher(d.serial()).matches()) {
            problems.error(p + ".serial", SpecProblem.Rule.INVALID_SERIAL, "serial \"" + d.serial()
                    + "\" must be 1 to 256 characters of [A-Za-z0-9_.+-]");
        }
        if (d.bootOrder() != null && d.bootOrder() < 1) {
            problems.error(p + ".bootOrder", SpecProblem.Rule.INVALID_BOOT_ORDER,
                    "bootOrder " + d.bootOrder() + " must be greater than 0");
        }
        boolean dedicated = Boolean.TRUE.equals(d.dedicatedIOThread());
        if (dedicated && bus.isPresent() && bus.get() != Bus.VIRTIO && bus.get() != Bus.SCSI) {
            problems.error(p + ".dedicatedIOThread", SpecProblem.Rule.DEDICATED_IOTHREAD_BUS, "disk \"" + d.name()
                    + "\" asks for a dedicated IOThread on bus " + bus.get().specName() + "; IOThreads need bus virtio (or scsi)");
        }
        Optional<CacheMode> cache = parse(CacheMode.values(), CacheMode::specName, d.cache(), p + ".cache",
                SpecProblem.Rule.INVALID_CACHE, "cache");
        Optional<IoMode> io = parse(IoMode.values(), IoMode::specName, d.io(), p + ".io", SpecProblem.Rule.INVALID_IO, "io");
        Optional<ErrorPolicy> policy = parse(ErrorPolicy.values(), ErrorPolicy::specName, d.errorPolicy(),
                p + ".errorPolicy", SpecProblem.Rule.INVALID_ERROR_POLICY, "errorPolicy");
        boolean shareable = Boolean.TRUE.equals(d.shareable());
        if (shareable && cache.isPresent() && cache.get() != CacheMode.NONE) {
            problems.error(p + ".cache", SpecProblem.Rule.SHAREABLE_CACHE, "disk \"" + d.name() + "\" is shareable, which needs cache none, not "
                    + cache.get().specName() + "; the host page cache would hide the other VM's writes");
        }
        if (d.tag() != null) {
            problems.warn(p + ".tag", "tag is not used by qvmm");
        }
        if (problems.problems.size() > before || volume.isEmpty() || bus.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DiskSpec(d.name(), p, device, bus.get(), readOnly, volume.get(),
                d.bootOrder() == null ? OptionalInt.empty() : OptionalInt.of(d.bootOrder()),
                Optional.ofNullable(d.serial()), dedicated, shareable && cache.isEmpty() ? Optional.of(CacheMode.NONE) : cache,
                io, policy.orElse(ErrorPolicy.STOP), shareable, blockSize));
    }

    private Optional<Bus> bus(DiskDevice device, String text, String p) {
        if (device instanceof DiskDevice.Floppy) {
            return Optional.of(Bus.FDC);
        }
        if (text == null || text.isEmpty()) {
            return Optional.of(device instanceof DiskDevice.Lun ? Bus.SCSI : Bus.SATA);
        }
        Bus bus = switch (text) {
            case "virtio" -> Bus.VIRTIO;
            case "sata" -> Bus.SATA;
            case "scsi" -> Bus.SCSI;
            case "usb" -> Bus.USB;
            default -> null;
        };
        if (bus == null) {
            String hint = "ide".equals(text) ? "; ide does not exist on q35, use sata" : "";
            problems.error(p, SpecProblem.Rule.UNSUPPORTED_BUS, "bus \"" + text + "\" is not one of virtio, sata, scsi, usb" + hint);
            return Optional.empty();
        }
        String refusal = switch (device) {
            case DiskDevice.Cdrom c when bus == Bus.VIRTIO -> "a cdrom cannot use bus virtio; use sata or scsi";
            case DiskDevice.Cdrom c when bus == Bus.USB -> "a cdrom on usb is not supported; use sata or scsi";
            case DiskDevice.Lun l when bus != Bus.SCSI -> "a lun is SCSI passthrough and needs bus scsi, not " + text;
            default -> null;
        };
        if (refusal != null) {
            problems.error(p, SpecProblem.Rule.UNSUPPORTED_BUS, refusal);
            return Optional.empty();
        }
        return Optional.of(bus);
    }

    private <E> Optional<E> parse(E[] values, java.util.function.Function<E, String> name, String text, String p,
                                  SpecProblem.Rule rule, String field) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        for (E e : values) {
            if (name.apply(e).equals(text)) {
                return Optional.of(e);
            }
            names.add(name.apply(e));
        }
        String hint = names.contains(text.toLowerCase(Locale.ROOT)) ? " (values are lower case)" : "";
        problems.error(p, rule, field + " \"" + text + "\" is not one of " + String.join(", ", names) + hint);
        return Optional.empty();
    }
}
