package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ISOs qvmm generates, as the probe guest mounts them after a {@code scripts/qvmm run}: a
 * cloudInitNoCloud volume (inline data), a cloudInitConfigDrive volume (user data from a Secret kept
 * under the state directory), and configMap, secret (both in the YAML stream) and serviceAccount
 * (under the state directory) disks, each with a serial.
 * Labels, file lists and every file's md5 must be exactly what is expected; the expected bytes
 * are written out here, not taken from qvmm.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GuestSeesGeneratedIsosTest {

    static final String VM = "isos";
    /** uuid.uuid5(UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "isos"): KubeVirt's firmware UUID of a VM named isos. */
    static final String INSTANCE_ID = "a8938986-dbeb-5b7b-8bfb-87112d676caf";
    static final String USER_DATA = "#cloud-config\nhostname: from-nocloud\n";
    static final String NETWORK_DATA = "version: 2\nethernets: {}\n";
    static final String DRIVE_USER_DATA = "#cloud-config\nruncmd: [echo config-drive]\n";
    static final String PROPERTIES = "mode=demo\n";
    static final String TOKEN = "not-a-real-token";
    static final String PASSWORD = "s3cret\n";
    static final String SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.not-a-real-jwt";
    static final String SA_CA = "-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n";

    /** scripts/qvmm's exit code for a failure that is not a spec problem. */
    static final int CLI_FAILED = 1;
    /** A refusal of the user's input, even when found while preparing (a ConfigMap that is nowhere). */
    static final int CLI_INVALID_INPUT = 2;

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = ProbeGuest.build();
    }

    static String md5(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** path -> md5 of the files the guest listed on the ISO with {@code label}. */
    static Map<String, String> filesOn(GuestReport report, String label) {
        GuestReport.Line iso = report.all("iso").stream().filter(l -> label.equals(l.fields().get("label"))).findFirst()
                .orElseThrow(() -> new AssertionError("the guest mounted no ISO labelled " + label + ":\n" + report));
        Map<String, String> files = new TreeMap<>();
        for (GuestReport.Line f : report.all("file")) {
            if (iso.get("dev").equals(f.fields().get("dev"))) {
                files.put(f.get("path"), f.get("md5"));
            }
        }
        return files;
    }

    @Test
    void theGuestMountsEveryGeneratedIsoWithExactlyTheExpectedFiles(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path secret = Files.createDirectories(state.resolve("secrets/drive-secret"));
        Files.writeString(secret.resolve("userdata"), DRIVE_USER_DATA);
        String disks = """
                      - {name: scratch, disk: {bus: virtio}, serial: SCRATCH}
                      - {name: nocloud, disk: {bus: virtio}, serial: NOCLOUD}
                      - {name: drive, disk: {bus: virtio}, serial: DRIVE}
                      - {name: app-config-disk, disk: {bus: virtio}, serial: CVLY623300HK240D}
                      - {name: app-secret-disk, disk: {bus: virtio}, serial: D23YZ9W6WA5DJ487}
                      - {name: serviceaccount-disk, disk: {bus: virtio}, serial: SVCACCT}
                """;
        String volumes = """
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                  - name: nocloud
                    cloudInitNoCloud:
                      userData: %s
                      networkDataBase64: %s
                  - name: drive
                    cloudInitConfigDrive:
                      secretRef: {name: drive-secret}
                  - name: app-config-disk
                    configMap: {name: app-config, volumeLabel: appcfg}
                  - name: app-secret-disk
                    secret: {secretName: app-secret, volumeLabel: appsecret}
                  - name: serviceaccount-disk
                    serviceAccount: {serviceAccountName: default}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: app-secret}
                type: Opaque
                data:
                  password: %s
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: app-config}
                data:
                  app.properties: %s
                  token: %s
                """.formatted(quote(USER_DATA), Base64.getEncoder().encodeToString(NETWORK_DATA.getBytes(StandardCharsets.UTF_8)),
                Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)), quote(PROPERTIES), quote(TOKEN));
        // A ServiceAccount lives under the state directory: token and ca.crt; namespace from the VM.
        Path account = Files.createDirectories(state.resolve("serviceaccounts/default"));
        Files.writeString(account.resolve("token"), SA_TOKEN);
        Files.writeString(account.resolve("ca.crt"), SA_CA);
        Path spec = dir.resolve(VM + ".yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  domain:
                    cpu: {cores: 2}
                    resources: {requests: {memory: 256Mi}}
                    firmware:
                      kernelBoot:
                        kernelArgs: "console=ttyS0 panic=-1"
                        container: {image: %s, kernelPath: /vmlinux, initrdPath: /initrd.img}
                    devices:
                      disks:
                %s  volumes:
                %s""".formatted(VM, guest, disks, volumes));

        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(ProbeGuest.BOOT_DEADLINE_SECONDS), "run", "--state-dir",
                state.toString(), spec.toString());
        GuestReport report = GuestReport.parse(run.stdout());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(report.complete(), () -> "the guest's report is incomplete:\n" + run);

        assertEquals(Map.of(
                "/meta-data", md5("{\"instance-id\":\"" + INSTANCE_ID + "\",\"local-hostname\":\"" + VM + "\"}"),
                "/user-data", md5(USER_DATA),
                "/network-config", md5(NETWORK_DATA)), filesOn(report, "cidata"), report::toString);
        assertEquals(Map.of(
                "/openstack/latest/meta_data.json", md5("{\"instance_id\":\"" + INSTANCE_ID + "\",\"uuid\":\"" + INSTANCE_ID
                        + "\",\"hostname\":\"" + VM + "\"}"),
                "/openstack/latest/user_data", md5(DRIVE_USER_DATA)), filesOn(report, "config-2"), report::toString);
        Map<String, String> config = filesOn(report, "appcfg");
        assertEquals(Map.of("/app.properties", md5(PROPERTIES), "/token", md5(TOKEN)), config, report::toString);
        assertEquals(Map.of("/password", md5(PASSWORD)), filesOn(report, "appsecret"), report::toString);
        assertEquals(Map.of("/namespace", md5("default"), "/token", md5(SA_TOKEN), "/ca.crt", md5(SA_CA)),
                filesOn(report, "cfgdata"), report::toString);
        // Each config disk is the ISO on the disk with its serial.
        for (String[] bySerial : new String[][] {{"D23YZ9W6WA5DJ487", "appsecret"}, {"SVCACCT", "cfgdata"}}) {
            String dev = report.all("iso").stream().filter(l -> bySerial[1].equals(l.fields().get("label"))).findFirst()
                    .orElseThrow().get("dev");
            assertEquals(report.diskWithSerial(bySerial[0]).get("name"), dev, report::toString);
        }

        // Mounted by serial, as the reference's guests do.
        String byserial = report.diskWithSerial("CVLY623300HK240D").get("name");
        String appcfgDev = report.all("iso").stream().filter(l -> "appcfg".equals(l.fields().get("label"))).findFirst()
                .orElseThrow().get("dev");
        assertEquals(byserial, appcfgDev, report::toString);
        for (GuestReport.Line disk : report.all("disk")) {
            if (!disk.get("serial").equals("SCRATCH")) {
                assertEquals(0, Long.parseLong(disk.get("size")) % 4096, () -> "ISO size of " + disk.fields());
            }
        }

        try (Stream<Path> left = Files.walk(state)) {
            assertFalse(left.anyMatch(p -> p.toString().endsWith(".iso")), "the ISOs go with the VM");
        }
        assertEquals(DRIVE_USER_DATA, Files.readString(secret.resolve("userdata")), "the user's Secret directory is untouched");
    }

    @Test
    void aMissingConfigMapStopsTheRunBeforeQemuNamingTheVolumeAndLeavesNothing(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path spec = dir.resolve("missing.yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: missing}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: scratch, disk: {bus: virtio}}
                      - {name: nocloud, disk: {bus: virtio}}
                      - {name: settings, disk: {bus: virtio}, serial: SETTINGS}
                  volumes:
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                  - {name: nocloud, cloudInitNoCloud: {userData: "#cloud-config"}}
                  - {name: settings, configMap: {name: nowhere}}
                """);
        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(60), "run", "--state-dir", state.toString(), spec.toString());
        assertEquals(CLI_INVALID_INPUT, run.exitCode(), run::toString);
        assertTrue(run.stderr().contains("volume \"settings\"") && run.stderr().contains("ConfigMap \"nowhere\"")
                && run.stderr().contains(state.resolve("configmaps/nowhere").toString()), run::toString);
        try (Stream<Path> left = Files.walk(state)) {
            assertEquals(java.util.List.of(), left.filter(Files::isRegularFile).toList(), "nothing is left behind");
        }
        assertFalse(Files.exists(state.resolve("run/missing")), run::toString);
    }

    @Test
    void userDataOverWhatAnIsoCarriesStopsTheRunBeforeQemuNamingTheVolume(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Path huge = Files.createDirectories(state.resolve("secrets/huge")).resolve("userdata");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(4L << 30); // sparse: one byte more than an ISO 9660 file holds
        }
        Path spec = dir.resolve("huge.yaml");
        Files.writeString(spec, """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: huge}
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices:
                      disks:
                      - {name: scratch, disk: {bus: virtio}}
                      - {name: seed, disk: {bus: virtio}}
                  volumes:
                  - {name: scratch, emptyDisk: {capacity: 16Mi}}
                  - {name: seed, cloudInitConfigDrive: {secretRef: {name: huge}}}
                """);
        QvmmCli.Result run = QvmmCli.run(Duration.ofSeconds(60), "run", "--state-dir", state.toString(), spec.toString());
        assertEquals(CLI_FAILED, run.exitCode(), run::toString);
        assertTrue(run.stderr().contains("volume \"seed\"") && run.stderr().contains("openstack/latest/user_data")
                && run.stderr().contains("4294967295"), run::toString);
        try (Stream<Path> left = Files.walk(state)) {
            assertEquals(java.util.List.of(huge), left.filter(Files::isRegularFile).toList(), "only the user's Secret remains");
        }
        assertFalse(Files.exists(state.resolve("run/huge")), run::toString);
    }

    /** A YAML double-quoted scalar. */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
