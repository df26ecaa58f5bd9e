package dev.qvmm.vmm.spec;

import dev.qvmm.vmm.spec.dto.DiskDtos;
import dev.qvmm.vmm.spec.dto.DomainDtos;
import dev.qvmm.vmm.spec.dto.Meta;
import dev.qvmm.vmm.spec.dto.VirtualMachineDtos;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A VMI spec (top level, or a VirtualMachine's {@code spec.template.spec}) into a {@link VmSpec},
 * given the stream's other objects. Problems are collected; the caller throws if there are any.
 */
final class VmiConverter {

    private VmiConverter() {
    }

    static Optional<VmSpec> convert(Problems problems, SpecContext context, String apiVersion, Meta meta,
                                    VirtualMachineDtos.VmiSpec spec, String p, Optional<RunStrategy> runStrategy,
                                    ObjectConverter objects) {
        String name = meta == null ? null : meta.name();
        if (name == null || name.isBlank()) {
            problems.error("metadata.name", SpecProblem.Rule.REQUIRED, "the VM needs metadata.name");
            name = "vm";
        } else if (!ObjectNames.check(problems, "metadata.name", ObjectNames.Kind.VM, name)) {
            name = "vm";
        }
        if (meta != null && meta.namespace() != null) {
            ObjectNames.check(problems, "metadata.namespace", ObjectNames.Kind.NAMESPACE, meta.namespace());
        }
        if (spec == null || spec.domain() == null) {
            problems.error(p + ".domain", SpecProblem.Rule.REQUIRED, "spec.domain is required");
            return Optional.empty();
        }
        Admission.vmi(problems, spec, p);
        warnIgnored(problems, spec, p);
        String hostname = hostname(problems, name, spec.hostname(), p + ".hostname");
        DomainDtos.Domain domain = spec.domain();
        String dp = p + ".domain";
        DomainConverter dc = new DomainConverter(problems);
        long memory = dc.memory(domain, dp);
        CpuTopology cpu = dc.cpu(domain, dp);
        String machine = dc.machine(domain, dp);
        Optional<KernelBoot> kernelBoot = dc.kernelBoot(domain, dp);
        FirmwareConverter fc = new FirmwareConverter(problems);
        Firmware firmware = fc.convert(domain, dp);
        fc.warnIgnored(domain, dp);

        VolumeConverter volumeConverter = new VolumeConverter(problems, objects.claims, objects.dataVolumes);
        Map<String, Volume> volumes = volumeConverter.convert(spec.volumes(), p + ".volumes");
        DomainDtos.Devices devices = domain.devices() == null
                ? new DomainDtos.Devices(null, null, null, null, null, null, null, null, null) : domain.devices();
        String devp = dp + ".devices";
        warnDevices(problems, devices, devp);
        List<DiskDtos.Disk> diskDtos = withDefaultDisks(devices.disks(), devices.filesystems(), spec.volumes());
        DiskConverter diskConverter = new DiskConverter(problems, volumes, volumeConverter.named, context);
        List<DiskSpec> disks = diskConverter.convert(diskDtos, devp + ".disks");
        List<FilesystemSpec> filesystems = filesystems(problems, diskConverter, devices.filesystems(), devp + ".filesystems");
        List<InterfaceSpec> interfaces = new NetworkConverter(problems, name).convert(devices.interfaces(), devp + ".interfaces",
                spec.networks(), p + ".networks", devices.autoattachPodInterface());

        List<SpecRules.Ref> refs = new ArrayList<>();
        if (diskDtos != null) {
            for (int i = 0; i < diskDtos.size(); i++) {
                DiskDtos.Disk d = diskDtos.get(i);
                if (d != null && d.name() != null) {
                    refs.add(new SpecRules.Ref(d.name(), Problems.index(devp + ".disks", i),
                            d.volumeName() != null ? d.volumeName() : d.name()));
                }
            }
        }
        if (devices.filesystems() != null) {
            for (int i = 0; i < devices.filesystems().size(); i++) {
                DiskDtos.Filesystem f = devices.filesystems().get(i);
                if (f != null && f.name() != null) {
                    refs.add(new SpecRules.Ref(f.name(), Problems.index(devp + ".filesystems", i), f.name()));
                }
            }
        }
        boolean multiQueue = Boolean.TRUE.equals(devices.blockMultiQueue());
        SpecRules.validate(problems, refs, disks, volumes.keySet(), p + ".volumes", multiQueue, cpu.explicit(), devp);
        boolean anyDedicated = diskDtos != null && diskDtos.stream()
                .anyMatch(d -> d != null && Boolean.TRUE.equals(d.dedicatedIOThread()));
        Optional<IoThreadsPolicy> policy = dc.ioThreadsPolicy(domain, anyDedicated, dp);

        if (spec.terminationGracePeriodSeconds() != null && spec.terminationGracePeriodSeconds() < 0) {
            // KubeVirt's admitter: "must be equal to or greater than 0".
            problems.error(p + ".terminationGracePeriodSeconds", SpecProblem.Rule.OUT_OF_RANGE, "terminationGracePeriodSeconds "
                    + spec.terminationGracePeriodSeconds() + " is negative; give 0 (stop at once) or more seconds");
        }
        FilesystemFailurePolicy onFilesystemFailure = filesystemFailurePolicy(problems, meta);

        if (!problems.problems.isEmpty()) {
            return Optional.empty();
        }
        // Only now: a volume with an error is left out, and its object would be told it is unused too.
        UnusedObjects.warn(problems, objects.paths, volumes.values(), objects.dataVolumes);
        return Optional.of(new VmSpec(name, meta.namespace() == null ? "default" : meta.namespace(), apiVersion, machine, cpu,
                memory, policy, multiQueue, disks, filesystems, kernelBoot, runStrategy,
                spec.terminationGracePeriodSeconds() == null ? OptionalLong.empty()
                        : OptionalLong.of(spec.terminationGracePeriodSeconds()),
                objects.dataVolumes, objects.objects(), hostname,
                devices.downwardMetrics() != null && !devices.downwardMetrics().isNull(), onFilesystemFailure, interfaces, firmware));
    }

    /**
     * KubeVirt's defaulting ({@code SetDefaultVolumeDisk}): every volume that no disk and no
     * filesystem is named after gets a disk of its name, appended after the given disks, with
     * the disk type {@code disk} and no bus, which then gets the default bus like any disk without
     * one: on amd64 KubeVirt's {@code setDefaultAmd64DisksBus} gives sata (q35's AHCI). A disk that names the
     * volume by {@code volumeName} (v1alpha1's field) counts as its disk too, so that such a spec
     * does not get a second disk for it.
     */
    static List<DiskDtos.Disk> withDefaultDisks(List<DiskDtos.Disk> disks, List<DiskDtos.Filesystem> filesystems,
                                                List<dev.qvmm.vmm.spec.dto.VolumeDtos.Volume> volumes) {
        if (volumes == null) {
            return disks;
        }
        java.util.Set<String> taken = new java.util.HashSet<>();
        if (disks != null) {
            disks.stream().filter(java.util.Objects::nonNull).forEach(d -> {
                taken.add(d.name());
                taken.add(d.volumeName());
            });
        }
        if (filesystems != null) {
            filesystems.stream().filter(java.util.Objects::nonNull).forEach(f -> taken.add(f.name()));
        }
        List<DiskDtos.Disk> out = disks == null ? new ArrayList<>() : new ArrayList<>(disks);
        for (dev.qvmm.vmm.spec.dto.VolumeDtos.Volume v : volumes) {
            if (v != null && v.name() != null && !v.name().isBlank() && taken.add(v.name())) {
                out.add(new DiskDtos.Disk(v.name(), null, new DiskDtos.DiskTarget(null, null, null), null, null, null,
                        null, null, null, null, null, null, null, null, null));
            }
        }
        return disks == null && out.isEmpty() ? null : out;
    }

    /** The {@value FilesystemFailurePolicy#ANNOTATION} annotation: stop (default) or continue. */
    private static FilesystemFailurePolicy filesystemFailurePolicy(Problems problems, Meta meta) {
        String v = meta == null || meta.annotations() == null ? null : meta.annotations().get(FilesystemFailurePolicy.ANNOTATION);
        if (v == null) {
            return FilesystemFailurePolicy.STOP;
        }
        Optional<FilesystemFailurePolicy> p = FilesystemFailurePolicy.parse(v);
        if (p.isEmpty()) {
            problems.error("metadata.annotations." + FilesystemFailurePolicy.ANNOTATION, SpecProblem.Rule.UNSUPPORTED_VALUE,
                    "\"" + v + "\" is not stop or continue");
            return FilesystemFailurePolicy.STOP;
        }
        return p.get();
    }

    private static List<FilesystemSpec> filesystems(Problems problems, DiskConverter disks,
                                                    List<DiskDtos.Filesystem> list, String path) {
        List<FilesystemSpec> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            DiskDtos.Filesystem f = list.get(i);
            String p = Problems.index(path, i);
            if (f == null || f.name() == null || f.name().isBlank()) {
                problems.error(p + ".name", SpecProblem.Rule.REQUIRED, "every filesystem needs a name (the guest's mount tag)");
                continue;
            }
            if (f.virtiofs() == null) {
                problems.error(p + ".virtiofs", SpecProblem.Rule.REQUIRED, "a filesystem needs virtiofs: {}");
                continue;
            }
            Optional<Volume> v = disks.volumeOf(f.name(), null, p);
            if (v.isEmpty()) {
                continue;
            }
            boolean shareable = switch (v.get().source()) {
                case VolumeSource.PersistentVolumeClaim c -> true;
                case VolumeSource.DataVolume c -> true;
                case VolumeSource.ConfigMap c -> true;
                case VolumeSource.Secret c -> true;
                case VolumeSource.ServiceAccount c -> true;
                case VolumeSource.ContainerDisk c -> false;
                case VolumeSource.Ephemeral c -> false;
                case VolumeSource.EmptyDisk c -> false;
                case VolumeSource.HostDisk c -> false;
                case VolumeSource.CloudInitNoCloud c -> false;
                case VolumeSource.CloudInitConfigDrive c -> false;
                case VolumeSource.DownwardMetrics c -> false;
            };
            if (!shareable) {
                problems.error(p, SpecProblem.Rule.UNSUPPORTED_VALUE, "volume \"" + v.get().name() + "\" is a "
                        + v.get().source().specName() + ", which virtiofs cannot share; use a persistentVolumeClaim, "
                        + "dataVolume, configMap, secret or serviceAccount");
                continue;
            }
            out.add(new FilesystemSpec(f.name(), p, v.get()));
        }
        return out;
    }

    /** spec.hostname as given (a DNS label), or KubeVirt's default: the name up to its first dot, cut to 63 characters. */
    static String hostname(Problems problems, String name, String given, String p) {
        if (given == null || given.isEmpty()) {
            String label = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
            return label.length() > 63 ? label.substring(0, 63) : label;
        }
        if (given.length() > 63 || !given.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            problems.error(p, SpecProblem.Rule.INVALID_TYPE, "hostname \"" + given + "\" must be a DNS label: at most 63 "
                    + "characters of a-z, 0-9 and '-', starting and ending with a letter or digit");
        }
        return given;
    }

    private static void warnIgnored(Problems problems, VirtualMachineDtos.VmiSpec s, String p) {
        if (s.affinity() != null) problems.warn(p + ".affinity", "scheduling does not apply on a single host; ignored");
        if (s.nodeSelector() != null) problems.warn(p + ".nodeSelector", "scheduling does not apply on a single host; ignored");
        if (s.tolerations() != null) problems.warn(p + ".tolerations", "scheduling does not apply on a single host; ignored");
        if (s.evictionStrategy() != null) problems.warn(p + ".evictionStrategy", "eviction does not apply on a single host; ignored");
    }

    private static void warnDevices(Problems problems, DomainDtos.Devices d, String p) {
        if (d.rng() != null) problems.warn(p + ".rng", "rng is not part of qvmm's storage plan; ignored");
    }
}
