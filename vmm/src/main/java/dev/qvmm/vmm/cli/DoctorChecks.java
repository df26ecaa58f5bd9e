package dev.qvmm.vmm.cli;

import dev.qvmm.virtiofsd.VirtiofsdBinary;
import dev.qvmm.vmm.host.AcceleratorChoice;
import dev.qvmm.vmm.host.Accelerator;
import dev.qvmm.vmm.host.KvmFacts;
import dev.qvmm.vmm.host.QemuProbe;
import dev.qvmm.vmm.storage.QemuCapabilities;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The checks of {@code qvmm doctor}, one per thing qvmm needs from the host, each reusing the probe
 * qvmm itself runs with ({@link KvmFacts}, {@link QemuProbe}, {@link VirtiofsdBinary}), so doctor
 * cannot say yes where {@code qvmm run} would say no. Package names are Debian's.
 */
final class DoctorChecks {

    /** Below this much free space in the state directory, a claim or an image pull is likely to fail. */
    static final long LOW_SPACE_BYTES = 1L << 30;

    private DoctorChecks() {
    }

    static List<DoctorCheck> all(DoctorHost host) {
        List<DoctorCheck> checks = new ArrayList<>();
        checks.add(qemu(host));
        checks.add(accelerator(host));
        checks.add(program(host, "qemu-img", true, "qemu-utils", "creates and inspects every disk image"));
        checks.add(virtiofsd(host));
        checks.add(program(host, "qemu-pr-helper", false, "qemu-system-common", "needed for lun disks with persistent reservation"));
        checks.add(ovmf(host));
        checks.add(program(host, "passt", false, "passt", "needed for pod (masquerade) networking"));
        checks.add(program(host, "skopeo", false, "skopeo", "needed to pull containerDisk images from a registry"));
        checks.add(isoMaker(host));
        checks.add(program(host, "prlimit", false, "util-linux", "bounds qemu-img info on images qvmm did not make"));
        checks.add(stateDir(host));
        checks.add(socket(host));
        return checks;
    }

    static DoctorCheck qemu(DoctorHost host) {
        Optional<Path> binary = host.program(host.qemuBinary());
        if (binary.isEmpty()) {
            return DoctorCheck.missing("qemu", true, host.qemuBinary() + " not found on PATH", DoctorCheck.install("qemu-system-x86"));
        }
        try {
            QemuCapabilities caps = QemuProbe.userCache().capabilities(binary.get().toString());
            return DoctorCheck.ok("qemu", true, "QEMU " + caps.version() + " at " + binary.get() + "; io_uring "
                    + (caps.ioUring() ? "supported" : "not supported"));
        } catch (IOException | RuntimeException e) {
            return DoctorCheck.missing("qemu", true, binary.get() + " is there but did not answer the capability probe: " + e.getMessage(),
                    "reinstall it: apt-get install -y --reinstall qemu-system-x86");
        }
    }

    /** TCG always works where QEMU does, so a host without usable KVM is a warning (slow guests), not a failure. */
    static DoctorCheck accelerator(DoctorHost host) {
        KvmFacts facts = KvmFacts.probe(host.root());
        AcceleratorChoice choice = facts.choose();
        if (choice.accelerator() == Accelerator.KVM) {
            return DoctorCheck.ok("kvm", true, "KVM usable: " + choice.reason());
        }
        String fix;
        if (facts.paravirtualKvm()) {
            fix = "none on this host (a VM without nested vmx/svm); guests run under TCG, slowly";
        } else if (!facts.devKvmReadWrite()) {
            fix = Files.exists(host.fixed("/dev/kvm")) ? "add this user to group kvm: usermod -aG kvm $USER, then log in again"
                    : "enable virtualization in the firmware and load kvm_intel or kvm_amd: modprobe kvm_intel";
        } else {
            fix = "enable VT-x/AMD-V in the firmware (or nested virtualization on the hypervisor)";
        }
        return DoctorCheck.warning("kvm", "KVM not usable: " + choice.reason() + "; qvmm runs guests under TCG (-cpu max)", fix);
    }

    static DoctorCheck program(DoctorHost host, String name, boolean required, String pkg, String why) {
        Optional<Path> p = host.program(name);
        if (p.isEmpty()) {
            return DoctorCheck.missing(name, required, name + " not found on PATH; " + why, DoctorCheck.install(pkg));
        }
        return DoctorCheck.ok(name, required, p.get() + (name.equals("prlimit") || name.equals("passt") ? ""
                : ": " + DoctorHost.firstLine(p.get(), "--version")));
    }

    /** Where {@link VirtiofsdBinary#find} looks: the Rust daemon's home, the C daemon's, then PATH. */
    static DoctorCheck virtiofsd(DoctorHost host) {
        Optional<Path> p = Stream.of("/usr/libexec/virtiofsd", "/usr/lib/qemu/virtiofsd", "virtiofsd")
                .map(host::program).flatMap(Optional::stream).findFirst();
        String fix = DoctorCheck.install("qemu-system-common") + " (Debian 12; newer releases: " + DoctorCheck.install("virtiofsd") + ")";
        if (p.isEmpty()) {
            return DoctorCheck.missing("virtiofsd", false, "no virtiofsd in /usr/libexec, /usr/lib/qemu or on PATH; "
                    + "needed for filesystems (virtiofs) in a spec", fix);
        }
        try {
            return DoctorCheck.ok("virtiofsd", false, p.get() + " (the " + VirtiofsdBinary.probe(p.get()).flavour() + " daemon)");
        } catch (RuntimeException e) {
            return DoctorCheck.warning("virtiofsd", p.get() + " is there but is not a virtiofsd qvmm knows: " + e.getMessage(), fix);
        }
    }

    /** UEFI firmware as QEMU's firmware descriptors describe it (the files libvirt also reads). */
    static DoctorCheck ovmf(DoctorHost host) {
        Path dir = host.fixed("/usr/share/qemu/firmware");
        List<String> descriptors;
        try (Stream<Path> s = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            descriptors = s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            descriptors = List.of();
        }
        if (descriptors.isEmpty()) {
            return DoctorCheck.missing("ovmf", false, "no firmware descriptors in " + dir + "; needed for firmware.bootloader.efi",
                    DoctorCheck.install("ovmf"));
        }
        return DoctorCheck.ok("ovmf", false, descriptors.size() + " firmware descriptors in " + dir + ": " + String.join(", ", descriptors));
    }

    static DoctorCheck isoMaker(DoctorHost host) {
        Optional<Path> p = host.program("xorriso").or(() -> host.program("genisoimage"));
        if (p.isEmpty()) {
            return DoctorCheck.missing("xorriso", false, "neither xorriso nor genisoimage on PATH; needed for cloudInitNoCloud, "
                    + "configMap/secret disks and other generated ISOs", DoctorCheck.install("xorriso"));
        }
        return DoctorCheck.ok("xorriso", false, p.get().toString());
    }

    /** Writable (or creatable by this user) and with room; {@code qvmm run} makes its run directories there. */
    static DoctorCheck stateDir(DoctorHost host) {
        Path dir = host.stateDir().toAbsolutePath();
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        String fix = "mkdir -p " + dir + " && chown $USER " + dir + ", or pass --state-dir DIR";
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            return DoctorCheck.missing("state-dir", true, dir + (existing == dir ? " is not a writable directory"
                    : " does not exist and " + existing + " is not writable"), fix);
        }
        long free;
        try {
            free = Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            return DoctorCheck.missing("state-dir", true, "cannot read the free space of " + existing + ": " + e.getMessage(), fix);
        }
        String detail = dir + (existing == dir ? "" : " (made on first use)") + ", " + (free >> 20) + " MiB free";
        if (free < LOW_SPACE_BYTES) {
            return DoctorCheck.warning("state-dir", detail + ", less than " + (LOW_SPACE_BYTES >> 20) + " MiB",
                    "free space on " + existing + " or pass --state-dir on a larger file system");
        }
        return DoctorCheck.ok("state-dir", true, detail);
    }

    /** The daemon's API socket: absent is fine (no daemon); present, its mode and group and whether this user gets through. */
    static DoctorCheck socket(DoctorHost host) {
        Path socket = host.socket();
        if (!Files.exists(socket)) {
            return DoctorCheck.ok("socket", false, "no daemon socket at " + socket + " (no daemon running there)");
        }
        String attrs;
        String group;
        try {
            PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class);
            group = a.group().getName();
            attrs = "mode " + PosixFilePermissions.toString(a.permissions()) + ", owner " + a.owner().getName() + ", group " + group;
        } catch (IOException e) {
            return DoctorCheck.warning("socket", socket + " exists but cannot be read: " + e.getMessage(), "check the permissions of its directory");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return DoctorCheck.ok("socket", false, socket + ": " + attrs + "; this user can connect");
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            // Connecting to a Unix socket needs write permission on it: that tells the two causes apart.
            String fix = !Files.isWritable(socket) ? "add this user to group " + group + ": usermod -aG " + group + " $USER, then log in again"
                    : "no daemon answers there (a stale socket): start qvmm daemon, or remove " + socket;
            return DoctorCheck.warning("socket", socket + ": " + attrs + "; this user cannot connect: " + why, fix);
        }
    }
}
