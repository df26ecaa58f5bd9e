package dev.qvmm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real Debian cloud-init guest ({@code scripts/build-test-guest --cloud-init}, built once and
 * cached outside the checkout): a host-directory image with {@code vmlinuz}, {@code initrd.img} and
 * {@code disk/root.img} (ext4, the whole disk), booted with kernelBoot and {@code root=/dev/vda}.
 */
final class CloudInitGuest {

    /** Under TCG cloud-init's runcmd comes at 25-45 s of uptime and poweroff a few seconds later. */
    static final long BOOT_DEADLINE_SECONDS = 240;
    /** mmdebstrap + mkfs.ext4 -d took about 70-90 s here; a slow mirror or machine gets room. */
    static final long BUILD_DEADLINE_MINUTES = 20;

    private CloudInitGuest() {
    }

    static Path build() throws IOException, InterruptedException {
        Path log = Files.createTempFile("build-cloud-guest", ".log");
        Path out = Files.createTempFile("build-cloud-guest", ".out");
        try {
            Process p = new ProcessBuilder(QvmmCli.CHECKOUT.resolve("scripts/build-test-guest").toString(), "--cloud-init")
                    .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
            if (!p.waitFor(BUILD_DEADLINE_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("scripts/build-test-guest --cloud-init did not finish within " + BUILD_DEADLINE_MINUTES
                        + " min:\n" + Files.readString(log));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("scripts/build-test-guest --cloud-init failed:\n" + Files.readString(log));
            }
            return Path.of(Files.readString(out).strip().lines().reduce((a, b) -> b).orElseThrow());
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(out);
        }
    }

    /**
     * A VMI booting this guest from a containerDisk overlay (the cached image stays untouched) with
     * NoCloud {@code userData}; {@code specLines} go under {@code spec:} (networks), {@code deviceLines}
     * under {@code devices:} (interfaces), each line indented for its place or empty.
     */
    static String noCloudVmi(Path guest, String name, int cores, String userData, String specLines, String deviceLines) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                %s  domain:
                    cpu: {cores: %d}
                    resources: {requests: {memory: 1Gi}}
                %s    devices:
                %s      disks:
                      - {name: root, disk: {bus: virtio}}
                      - {name: cidata, disk: {bus: virtio}}
                  volumes:
                  - {name: root, containerDisk: {image: %s}}
                  - name: cidata
                    cloudInitNoCloud:
                      userDataBase64: %s
                """.formatted(name, specLines, cores, kernelBoot(guest), deviceLines, guest,
                java.util.Base64.getEncoder().encodeToString(userData.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The kernelBoot block of a spec booting this guest from its first virtio disk. */
    static String kernelBoot(Path guest) {
        return """
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 root=/dev/vda rw panic=-1"
                        container: {image: %s, kernelPath: /vmlinuz, initrdPath: /initrd.img}
                """.formatted(guest);
    }
}
