package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real cloud-init (Debian's, in {@link CloudInitGuest}) applies what qvmm generates. The user data
 * installs a per-boot script that reports, on every boot, the host name, the instance-id, the
 * previous instance-id, how often runcmd has run and the data source cloud-init chose; its runcmd
 * prints a marker and powers the guest off. On a boot that cloud-init rightly takes for the same
 * instance, runcmd does not run again and the per-boot script powers off instead. Three boots of
 * about 35-55 s each under TCG.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class CloudInitGuestTest {

    /** uuid5(UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), name): KubeVirt's firmware UUID of each VM. */
    static final String NOCLOUD_VM = "ci-nocloud.qvmm.test";
    static final String NOCLOUD_IID = "21639695-0831-5294-9868-a086fefc97ab";
    static final String DRIVE_VM = "ci-configdrive";
    static final String DRIVE_IID = "48af26ad-d52e-57b9-858c-e26a7a7745ae";

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = CloudInitGuest.build();
    }

    static String userData(String marker) {
        return """
                #cloud-config
                write_files:
                  - path: /var/lib/cloud/scripts/per-boot/qvmm-report
                    permissions: "0755"
                    content: |
                      #!/bin/sh
                      runs=$(cat /var/lib/qvmm-runcmd 2>/dev/null || echo 0)
                      read -r up _ < /proc/uptime
                      echo "QVMM cloud-boot uptime=$up hostname=$(hostname) iid=$(cat /var/lib/cloud/data/instance-id) previous=$(cat /var/lib/cloud/data/previous-instance-id 2>/dev/null || echo none) runcmds=$runs ds=$(grep -o 'DataSource[A-Za-z]*' /run/cloud-init/status.json | head -n1)" > /dev/ttyS0
                      if [ "$runs" -gt 0 ]; then systemctl poweroff; fi
                runcmd:
                  - echo 1 > /var/lib/qvmm-runcmd
                  - read -r up _ < /proc/uptime; echo "QVMM cloud-runcmd marker=MARKER uptime=$up" > /dev/ttyS0
                  - systemctl poweroff
                """.replace("MARKER", marker);
    }

    static QvmmCli.Result run(Path state, Path spec) throws Exception {
        long t0 = System.nanoTime();
        QvmmCli.Result r = QvmmCli.run(Duration.ofSeconds(CloudInitGuest.BOOT_DEADLINE_SECONDS), "run", "--state-dir",
                state.toString(), spec.toString());
        System.out.printf("CloudInitGuestTest: %s booted and powered off in %.1f s%n", spec.getFileName(),
                (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    static GuestReport.Line one(GuestReport report, String kind, QvmmCli.Result run) {
        List<GuestReport.Line> lines = report.all(kind);
        assertEquals(1, lines.size(), () -> "expected one " + kind + " line:\n" + run);
        return lines.getFirst();
    }

    @Test
    void noCloudAppliesTheUserDataAndARestartIsTheSameInstance(@TempDir Path dir) throws Exception {
        // The root disk must outlive the first run: a hostDisk copy (sparse) in the test's directory.
        Path root = dir.resolve("root.img");
        Process cp = new ProcessBuilder("cp", "--sparse=always", guest.resolve("disk/root.img").toString(), root.toString())
                .inheritIO().start();
        assertTrue(cp.waitFor(120, TimeUnit.SECONDS) && cp.exitValue() == 0, "copying the root disk failed");
        Path state = dir.resolve("state");
        Path spec = dir.resolve("nocloud.yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 1Gi}}
                %s    devices:
                      disks:
                      - {name: root, disk: {bus: virtio}}
                      - {name: cidata, disk: {bus: virtio}}
                  volumes:
                  - {name: root, hostDisk: {path: %s, type: Disk}}
                  - name: cidata
                    cloudInitNoCloud:
                      userDataBase64: %s
                """.formatted(NOCLOUD_VM, CloudInitGuest.kernelBoot(guest), root,
                Base64.getEncoder().encodeToString(userData("nocloud-applied").getBytes(StandardCharsets.UTF_8))));

        QvmmCli.Result first = run(state, spec);
        GuestReport report = GuestReport.parse(first.stdout());
        GuestReport.Line boot = one(report, "cloud-boot", first);
        assertEquals("ci-nocloud", boot.get("hostname"), "the name up to its first dot");
        assertEquals(NOCLOUD_IID, boot.get("iid"));
        assertEquals("0", boot.get("runcmds"));
        assertEquals("DataSourceNoCloud", boot.get("ds"));
        GuestReport.Line runcmd = one(report, "cloud-runcmd", first);
        assertEquals("nocloud-applied", runcmd.get("marker"));
        System.out.printf("CloudInitGuestTest: NoCloud runcmd at %s s of uptime%n", runcmd.get("uptime"));

        QvmmCli.Result second = run(state, spec);
        GuestReport again = GuestReport.parse(second.stdout());
        GuestReport.Line reboot = one(again, "cloud-boot", second);
        assertEquals(NOCLOUD_IID, reboot.get("iid"), "the instance-id survives a restart");
        assertEquals(NOCLOUD_IID, reboot.get("previous"), "cloud-init saw the same instance as before");
        assertEquals("1", reboot.get("runcmds"), "runcmd (per instance) did not run again");
        assertEquals("ci-nocloud", reboot.get("hostname"));
        assertEquals(List.of(), again.all("cloud-runcmd"), second::toString);
    }

    @Test
    void configDriveAppliesUserDataFromASecretAndSetsSpecHostname(@TempDir Path dir) throws Exception {
        Path image = guest.resolve("disk/root.img");
        FileTime before = Files.getLastModifiedTime(image);
        Path state = dir.resolve("state");
        Path spec = dir.resolve("configdrive.yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  hostname: drive-host
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 1Gi}}
                %s    devices:
                      disks:
                      - {name: root, disk: {bus: virtio}}
                      - {name: config, disk: {bus: virtio}}
                  volumes:
                  - {name: root, containerDisk: {image: %s}}
                  - name: config
                    cloudInitConfigDrive:
                      secretRef: {name: drive-userdata}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: drive-userdata}
                type: Opaque
                data:
                  userdata: %s
                """.formatted(DRIVE_VM, CloudInitGuest.kernelBoot(guest), guest,
                Base64.getEncoder().encodeToString(userData("configdrive-applied").getBytes(StandardCharsets.UTF_8))));

        QvmmCli.Result result = run(state, spec);
        GuestReport report = GuestReport.parse(result.stdout());
        GuestReport.Line boot = one(report, "cloud-boot", result);
        assertEquals("drive-host", boot.get("hostname"), "spec.hostname");
        assertEquals(DRIVE_IID, boot.get("iid"));
        assertEquals("DataSourceConfigDrive", boot.get("ds"));
        GuestReport.Line runcmd = one(report, "cloud-runcmd", result);
        assertEquals("configdrive-applied", runcmd.get("marker"));
        System.out.printf("CloudInitGuestTest: ConfigDrive runcmd at %s s of uptime%n", runcmd.get("uptime"));
        assertEquals(before, Files.getLastModifiedTime(image), "the cached image stays pristine under its overlay");
    }
}
