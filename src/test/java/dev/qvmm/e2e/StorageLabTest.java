package dev.qvmm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KubeVirt lab "Mounting Storage" (shared/reference/000) as its reader does it, in the
 * daemon: its objects and VM in one stream ({@code src/test/resources/lab/storage-lab.yaml}, the
 * lab's YAML with only the containerDisk image replaced by the real cloud-init guest), created
 * with {@code running: false}, started, and looked at from the guest's serial console after
 * logging in with the lab's password, as {@code virtctl console} does: {@code lsblk} (vda..vdd,
 * the two DataVolume disks formatted and mounted by the lab's own bootcmd and mounts), {@code df}
 * (the three virtiofs filesystems), the ConfigMap's files, the Secret's userdata and the
 * ServiceAccount's files; then {@code qvmm stop}. The Block DataVolume is bound to a real device
 * (a loop device, through the host config's blockClaims), so its blank import writes nothing and
 * the guest's mkfs lands on the device.
 *
 * <p>Two things differ from the lab, because the cloud-init guest is not Fedora's containerDisk:
 * the guest boots with kernelBoot (its image has no boot loader), and its default user is
 * {@code debian}, not {@code fedora}. The ServiceAccount "default" is a host directory written
 * here by hand: qvmm does not make ServiceAccount tokens yet.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class StorageLabTest {

    static final String VM = "lab06-storage";
    static final Path LAB = QvmmCli.CHECKOUT.resolve("src/test/resources/lab/storage-lab.yaml");
    /** The lab's cloudinit-userdata.yaml, which the lab's Secret holds under the key userdata. */
    static final String SECRET_USERDATA = "#cloud-config\npassword: kubevirt\nchpasswd: { expire: False }\ntimezone: Europe/Zurich\n";
    /** cloud-init's final stage came at 75-195 s of uptime under TCG here (1 vCPU, as the lab; a loaded host is slower). */
    static final Duration BOOT = Duration.ofSeconds(360);
    static final Duration COMMAND = Duration.ofSeconds(60);

    static Path guest;

    @BeforeAll
    static void buildGuest() throws Exception {
        guest = CloudInitGuest.build();
    }

    @AfterEach
    void killWhatTheTestLeft() throws Exception {
        DaemonTest.killAll();
    }

    /** The lab's stream with the guest as its containerDisk image, and kernelBoot to boot it. */
    static String labYaml(Path guest) throws Exception {
        String lab = Files.readString(LAB);
        String domain = "      domain:\n        devices:\n          filesystems:\n";
        assertTrue(lab.contains(domain) && lab.contains("image: GUEST_IMAGE"), "the lab's VM YAML changed shape");
        return lab.replace("image: GUEST_IMAGE", "image: " + guest)
                .replace(domain, "      domain:\n" + CloudInitGuest.kernelBoot(guest).indent(4) + "        devices:\n          filesystems:\n");
    }

    @Test
    void theLabsObservationsHoldInsideTheGuest(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        Path state = dir.resolve("state");
        Path deviceFile = dir.resolve("block-device.img");
        try (RandomAccessFile f = new RandomAccessFile(deviceFile.toFile(), "rw")) {
            f.setLength(128L << 20);
        }
        Path device = BlockClaimGuestTest.losetup(deviceFile);
        assumeTrue(device != null, "losetup needs root");
        try {
            Path serviceAccount = Files.createDirectories(state.resolve("serviceaccounts/default"));
            Files.writeString(serviceAccount.resolve("token"), "lab-token");
            Files.writeString(serviceAccount.resolve("namespace"), "default");
            Files.writeString(serviceAccount.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
            Path hostConfig = Files.writeString(dir.resolve("host.yaml"), "blockClaims: {lab06-block-disk: " + device + "}\n");
            Path yaml = Files.writeString(dir.resolve("vm_lab06-storage.yaml"), labYaml(guest));

            DaemonTest.Daemon d = DaemonTest.Daemon.start(state, "--host-config", hostConfig.toString());
            QvmmCli.Result created = d.cli("create", yaml.toString());
            assertEquals(0, created.exitCode(), created::toString);
            assertTrue(!created.stderr().contains("is not used"), () -> "every object of the lab is used:\n" + created);
            JsonNode halted = d.status(VM);
            assertTrue(!halted.has("qemuPid"), () -> "running: false, yet it runs: " + halted);
            QvmmCli.Result started = d.cli("start", VM);
            assertEquals(0, started.exitCode(), started::toString);
            System.out.printf("StorageLabTest: created and started in %.1f s%n", (System.nanoTime() - t0) / 1e9);

            Map<String, String> seen;
            try (SerialConsole console = SerialConsole.connect(state.resolve("run").resolve(VM).resolve("console.sock"), BOOT)) {
                // The lab's reader logs in once the guest is up: the password is set in cloud-init's config stage,
                // after the login prompt appears, so wait for the final stage, which starts after it.
                console.await(Pattern.compile("Cloud-init v\\. \\S+ running 'modules:final'"), BOOT, "cloud-init's final stage");
                System.out.printf("StorageLabTest: cloud-init's final stage at %.1f s%n", (System.nanoTime() - t0) / 1e9);
                console.login("debian", "kubevirt", COMMAND);
                // Kernel messages would interleave with the answers; sudo's complaint that the lab's host name
                // is not in /etc/hosts (the guest has no network) goes to stderr, which is not the files' content.
                console.run("sudo dmesg -n 1 2>/dev/null", COMMAND);
                seen = new LinkedHashMap<>();
                seen.put("lsblk", console.run("lsblk -b -P -o NAME,SIZE,TYPE,MOUNTPOINT", COMMAND));
                seen.put("df", console.run("df -P", COMMAND));
                seen.put("df -h", console.run("df -h", COMMAND));
                seen.put("configmap", console.run("ls -1A /configmaps/application", COMMAND));
                seen.put("singlevalue", console.run("cat /configmaps/application/singlevalue; echo", COMMAND));
                seen.put("properties", console.run("cat /configmaps/application/application.properties", COMMAND));
                seen.put("secret", console.run("sudo cat /secrets/cloudinit/userdata 2>/dev/null", COMMAND));
                seen.put("serviceaccount", console.run("ls -1A /serviceaccounts/default", COMMAND));
                seen.put("token", console.run("sudo cat /serviceaccounts/default/token 2>/dev/null; echo", COMMAND));
                System.out.printf("StorageLabTest: observed in %.1f s%n%s%n", (System.nanoTime() - t0) / 1e9, seen.get("df -h"));
            }

            // lsblk: vda (the containerDisk, /), vdb (the cloud-init disk), vdc and vdd (the DataVolumes) in the lab's order.
            List<Map<String, String>> disks = pairs(seen.get("lsblk"));
            assertEquals(List.of("vda", "vdb", "vdc", "vdd"), disks.stream().map(m -> m.get("NAME")).toList(), seen.get("lsblk"));
            assertEquals("/", disks.get(0).get("MOUNTPOINT"));
            assertEquals("/disks/block", disks.get(2).get("MOUNTPOINT"), "mounted by the lab's bootcmd mkfs and mounts");
            assertEquals("/disks/fs", disks.get(3).get("MOUNTPOINT"));
            assertEquals(String.valueOf(128L << 20), disks.get(2).get("SIZE"), "the device bound to the Block DataVolume");
            assertEquals(String.valueOf(128L << 20), disks.get(3).get("SIZE"), "the Filesystem DataVolume's request");

            // df: the three virtiofs filesystems by tag, and the two disks.
            Map<String, String> mounts = new LinkedHashMap<>();
            seen.get("df").lines().skip(1).map(l -> l.trim().split("\\s+")).filter(f -> f.length >= 6).forEach(f -> mounts.put(f[5], f[0]));
            assertEquals("serviceaccount-fs", mounts.get("/serviceaccounts/default"), seen.get("df"));
            assertEquals("cloudinit-fs", mounts.get("/secrets/cloudinit"), seen.get("df"));
            assertEquals("configmap-fs", mounts.get("/configmaps/application"), seen.get("df"));
            assertEquals("/dev/vdc", mounts.get("/disks/block"), seen.get("df"));
            assertEquals("/dev/vdd", mounts.get("/disks/fs"), seen.get("df"));

            // The ConfigMap's keys as files, kubelet's way (each key a link into ..data, which a patch would swap).
            List<String> cm = seen.get("configmap").lines().map(String::strip).toList();
            assertTrue(cm.containsAll(List.of("..data", "application.properties", "singlevalue")), () -> "ConfigMap files: " + cm);
            assertEquals("hello", seen.get("singlevalue").strip());
            assertEquals("my.property=true\nanother.property=42\n", seen.get("properties"));
            assertEquals(SECRET_USERDATA, seen.get("secret"), "the Secret's userdata");
            assertEquals(List.of("ca.crt", "namespace", "token"), seen.get("serviceaccount").lines().map(String::strip).sorted().toList(),
                    "the ServiceAccount's files");
            assertEquals("lab-token", seen.get("token").strip());

            // "Analyze mounting behaviour", the host's side of what kubectl describe pod shows: the Block
            // DataVolume is passed as the device itself, the Filesystem one as its image file, and each
            // virtiofs filesystem has its own virtiofsd sharing one directory.
            List<String> argv = Files.readAllLines(state.resolve("run").resolve(VM).resolve("plan.args"));
            assertTrue(argv.stream().anyMatch(a -> a.contains("\"driver\":\"host_device\"") && a.contains("\"filename\":\"" + device + "\"")
                    && a.contains("\"node-name\":\"f-blockdisk\"")), () -> "blockdisk is not the device " + device + ": " + argv);
            assertTrue(argv.stream().anyMatch(a -> a.contains("\"driver\":\"file\"") && a.contains("claims/lab06-fs-disk/disk.img")
                    && a.contains("\"node-name\":\"f-fsdisk\"")), () -> "fsdisk is not its claim image: " + argv);
            for (String fs : List.of("serviceaccount-fs", "cloudinit-fs", "configmap-fs")) {
                assertTrue(argv.stream().anyMatch(a -> a.contains("\"driver\":\"vhost-user-fs-pci\"") && a.contains("\"tag\":\"" + fs + "\"")),
                        () -> fs + " has no vhost-user-fs device: " + argv);
            }
            // (The C virtiofsd forks once into its sandbox, so a share can show as two processes.)
            java.util.Set<String> shared = new java.util.TreeSet<>();
            ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains("virtiofsd"))
                    .map(c -> c.replaceFirst(".*-o source=(\\S+).*", "$1")).filter(src -> src.startsWith(state.toString()))
                    .forEach(shared::add);
            assertEquals(java.util.Set.of(state.resolve("serviceaccounts/default").toString(),
                    state.resolve("run").resolve(VM).resolve("virtiofs/cloudinit-fs.d/data").toString(),
                    state.resolve("run").resolve(VM).resolve("virtiofs/configmap-fs.d/data").toString()), shared,
                    "one virtiofsd per filesystem, each sharing its own directory");

            QvmmCli.Result stopped = d.cli("stop", "--grace", "10", VM);
            assertEquals(0, stopped.exitCode(), stopped::toString);
            JsonNode after = d.status(VM);
            assertEquals("Succeeded", after.path("phase").asText(""), after::toString);

            // The guest's mkfs went to the device itself; the Filesystem DataVolume's image stays, the user's data.
            assertEquals("blockdisk", blkidLabel(deviceFile), "the lab's bootcmd formatted the real device");
            assertEquals("fsdisk", blkidLabel(state.resolve("claims/lab06-fs-disk/disk.img")));
            assertTrue(!Files.exists(state.resolve("claims/lab06-block-disk/disk.img")), "no file stood in for the device");
            System.out.printf("StorageLabTest: the lab, start to stop, in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            d.kill("TERM");
        } finally {
            BlockClaimGuestTest.detach(device);
        }
    }

    /** {@code KEY="value"} pairs, one map per line (lsblk -P). */
    static List<Map<String, String>> pairs(String text) {
        List<Map<String, String>> out = new ArrayList<>();
        Pattern pair = Pattern.compile("([A-Z:-]+)=\"([^\"]*)\"");
        for (String line : text.lines().filter(l -> l.contains("NAME=")).toList()) {
            Map<String, String> m = new LinkedHashMap<>();
            Matcher x = pair.matcher(line);
            while (x.find()) {
                m.put(x.group(1), x.group(2));
            }
            out.add(m);
        }
        return out;
    }

    private static String blkidLabel(Path file) throws Exception {
        Process p = new ProcessBuilder("blkid", "-o", "value", "-s", "LABEL", file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "blkid hung");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
