package dev.qvmm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds (cached) and boots the probe guest under TCG, returning its report. */
final class ProbeGuest {

    /** A probe guest boots in about 5-10 s under TCG here; a loaded machine gets room. */
    static final long BOOT_DEADLINE_SECONDS = 120;

    private ProbeGuest() {
    }

    static Path build() throws IOException, InterruptedException {
        Path log = Files.createTempFile("build-test-guest", ".log");
        Process p = new ProcessBuilder(QvmmCli.CHECKOUT.resolve("scripts/build-test-guest").toString())
                .redirectError(log.toFile()).start();
        String dir = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("scripts/build-test-guest failed:\n" + Files.readString(log));
        }
        Files.deleteIfExists(log);
        return Path.of(dir.lines().reduce((a, b) -> b).orElseThrow());
    }

    static GuestReport boot(Path guest, Path dir, List<String> devices) throws IOException, InterruptedException {
        Path report = dir.resolve("report.txt");
        Path console = dir.resolve("console.log");
        List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "2",
                "-m", "256", "-machine", "q35", "-nodefaults", "-display", "none", "-no-reboot",
                "-kernel", guest.resolve("vmlinux").toString(), "-initrd", guest.resolve("initrd.img").toString(),
                "-append", "console=ttyS0 panic=-1", "-serial", "file:" + console,
                "-device", "virtio-serial-pci", "-chardev", "file,id=report,path=" + report,
                "-device", "virtserialport,chardev=report,name=org.qvmm.probe"));
        argv.addAll(devices);
        Process qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        if (!qemu.waitFor(BOOT_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
            throw new AssertionError("the probe guest did not power off within " + BOOT_DEADLINE_SECONDS + " s; console:\n"
                    + (Files.exists(console) ? Files.readString(console) : "(none)"));
        }
        String text = Files.exists(report) ? Files.readString(report) : "";
        GuestReport parsed = GuestReport.parse(text);
        if (!parsed.complete()) {
            throw new AssertionError("the probe guest's report is incomplete (QEMU exit " + qemu.exitValue() + "):\n" + text
                    + "\nqemu.log:\n" + Files.readString(dir.resolve("qemu.log")));
        }
        return parsed;
    }
}
