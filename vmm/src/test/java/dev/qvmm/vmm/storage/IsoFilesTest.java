package dev.qvmm.vmm.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.SpecReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What goes into the generated ISOs, from YAML through planning to the file map; no ISO tool needed. */
class IsoFilesTest {

    static String vmi(String name, String specExtra, String volume, String extraDocs) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                %s  domain:
                    resources: {requests: {memory: 64M}}
                    devices:
                      disks:
                      - {name: gen, disk: {bus: virtio}, serial: GEN1}
                  volumes:
                  - name: gen
                %s
                %s""".formatted(name, specExtra, volume.indent(4).stripTrailing(), extraDocs);
    }

    static SpecReader.Result read(String yaml) {
        return SpecReader.read(yaml, "t.yaml", SpecContext.defaults());
    }

    static Artifact.BuildIso iso(String yaml, HostFacts facts) {
        StoragePlan plan = StoragePlanner.plan(read(yaml).spec(), facts, QemuCapabilities.qemu72());
        return plan.artifacts().stream().filter(a -> a instanceof Artifact.BuildIso).map(a -> (Artifact.BuildIso) a)
                .findFirst().orElseThrow();
    }

    static Artifact.BuildIso iso(String yaml) {
        return iso(yaml, HostFacts.example());
    }

    static Map<String, String> files(Artifact.BuildIso iso) {
        SortedMap<String, byte[]> files = IsoFiles.files(iso.forName(), iso.content(), IsoBuilder::readDirectory);
        Map<String, String> text = new TreeMap<>();
        files.forEach((k, v) -> text.put(k, new String(v, StandardCharsets.UTF_8)));
        return text;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void instanceIdIsKubeVirtsUuidV5OfTheNameStableAndDifferentPerVm() {
        String id = IsoFiles.instanceId("testvmi-nocloud");
        // uuid.uuid5(UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "testvmi-nocloud") in Python
        assertEquals("06cb139c-49e0-5c83-a01c-c56e03982af9", id);
        assertEquals(5, UUID.fromString(id).version());
        assertEquals(id, IsoFiles.instanceId("testvmi-nocloud"));
        assertNotEquals(id, IsoFiles.instanceId("testvmi-nocloud2"));
        String a = files(iso(vmi("vm-a", "", "cloudInitNoCloud: {userData: x}", ""))).get("meta-data");
        String again = files(iso(vmi("vm-a", "", "cloudInitNoCloud: {userData: y}", ""))).get("meta-data");
        String b = files(iso(vmi("vm-b", "", "cloudInitNoCloud: {userData: x}", ""))).get("meta-data");
        assertEquals(a, again);
        assertNotEquals(a, b);
        assertEquals("{\"instance-id\":\"" + IsoFiles.instanceId("vm-a") + "\",\"local-hostname\":\"vm-a\"}", a);
    }

    @Test
    void noCloudHasUserDataMetaDataAndNetworkConfigOnlyWithNetworkData() {
        Artifact.BuildIso plain = iso(vmi("vm", "", "cloudInitNoCloud: {userData: \"#cloud-config\\n\"}", ""));
        assertEquals("cidata", plain.label());
        assertEquals(List.of("meta-data", "user-data"), List.copyOf(files(plain).keySet()));
        assertEquals("#cloud-config\n", files(plain).get("user-data"));
        Map<String, String> net = files(iso(vmi("vm", "", "cloudInitNoCloud: {networkData: \"version: 2\\n\"}", "")));
        assertEquals(List.of("meta-data", "network-config", "user-data"), List.copyOf(net.keySet()));
        assertEquals("", net.get("user-data"));
        assertEquals("version: 2\n", net.get("network-config"));
    }

    @Test
    void configDriveHasOpenstackLatestFilesAndLabelConfig2() {
        Artifact.BuildIso cd = iso(vmi("web.example.com", "", "cloudInitConfigDrive: {userData: u, networkData: n}", ""));
        assertEquals("config-2", cd.label());
        Map<String, String> f = files(cd);
        assertEquals(List.of("openstack/latest/meta_data.json", "openstack/latest/network_data.json", "openstack/latest/user_data"),
                List.copyOf(f.keySet()));
        String id = IsoFiles.instanceId("web.example.com");
        assertEquals("{\"instance_id\":\"" + id + "\",\"uuid\":\"" + id + "\",\"hostname\":\"web\"}",
                f.get("openstack/latest/meta_data.json"));
        assertEquals("u", f.get("openstack/latest/user_data"));
        assertEquals("n", f.get("openstack/latest/network_data.json"));
    }

    @Test
    void ignitionUserDataGoesOntoTheConfigDriveByteForByte() {
        // Fedora CoreOS reads Ignition from a config drive's user_data: JSON, no #cloud-config, kept as it is.
        String ignition = "{\"ignition\":{\"version\":\"3.3.0\"},\"storage\":{\"files\":[{\"path\":\"/etc/motd\","
                + "\"contents\":{\"source\":\"data:,hello%0A\"}}]}}";
        Artifact.BuildIso cd = iso(vmi("fcos", "", "cloudInitConfigDrive: {userDataBase64: " + b64(ignition) + "}", ""));
        Map<String, String> f = files(cd);
        assertEquals(ignition, f.get("openstack/latest/user_data"));
        assertEquals(List.of("openstack/latest/meta_data.json", "openstack/latest/user_data"), List.copyOf(f.keySet()));
    }

    @Test
    void hostnameIsSpecHostnameOrTheNameUpToItsFirstDotAtMost63Characters() {
        assertEquals("web", read(vmi("web.example.com", "", "cloudInitNoCloud: {userData: x}", "")).spec().hostname());
        // The name is at most 63 characters (refused otherwise, at metadata.name), so its first label always fits.
        assertEquals("a".repeat(63), read(vmi("a".repeat(63), "", "cloudInitNoCloud: {userData: x}", "")).spec().hostname());
        VmmException tooLong = assertThrows(VmmException.class, () -> read(vmi("a".repeat(64), "", "cloudInitNoCloud: {userData: x}", "")));
        assertEquals("metadata.name", tooLong.problems().getFirst().path());
        assertEquals("given", read(vmi("web.example.com", "  hostname: given\n", "cloudInitNoCloud: {userData: x}", ""))
                .spec().hostname());
        VmmException e = assertThrows(VmmException.class, () -> read(vmi("vm", "  hostname: " + "b".repeat(64) + "\n",
                "cloudInitNoCloud: {userData: x}", "")));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind());
        assertEquals("spec.hostname", e.problems().getFirst().path());
    }

    @Test
    void plainDataWithBase64IsRefusedAsKubeVirtDoesAndBase64AloneDecodes() {
        // KubeVirt's admitter: "must have only one userdatasource set" (and one networkdata source).
        String yaml = vmi("vm", "", "cloudInitNoCloud: {userData: plain, userDataBase64: " + b64("encoded")
                + ", networkData: pnet, networkDataBase64: " + b64("enet") + "}", "");
        VmmException e = assertThrows(VmmException.class, () -> read(yaml));
        assertEquals(2, e.problems().stream().filter(p -> p.rule() == SpecProblem.Rule.CLOUD_INIT_DATA_SOURCES
                && p.path().equals("spec.volumes[0].cloudInitNoCloud")).count(), e.problems().toString());
        Map<String, String> decoded = files(iso(vmi("vm", "", "cloudInitNoCloud: {userDataBase64: " + b64("encoded") + "}", "")));
        assertEquals("encoded", decoded.get("user-data"));
    }

    @Test
    void invalidBase64AndMissingDataAreSpecProblemsNamingTheVolume() {
        VmmException bad = assertThrows(VmmException.class,
                () -> read(vmi("vm", "", "cloudInitNoCloud: {userDataBase64: \"not base64!\"}", "")));
        assertEquals(VmmException.Kind.SPEC_INVALID, bad.kind());
        SpecProblem p = bad.problems().getFirst();
        assertEquals("spec.volumes[0].cloudInitNoCloud.userDataBase64", p.path());
        assertTrue(p.message().contains("volume \"gen\""), p.message());
        VmmException none = assertThrows(VmmException.class, () -> read(vmi("vm", "", "cloudInitConfigDrive: {}", "")));
        assertEquals(SpecProblem.Rule.REQUIRED, none.problems().getFirst().rule());
        assertTrue(none.problems().getFirst().message().contains("volume \"gen\""), none.getMessage());
        VmmException secretData = assertThrows(VmmException.class, () -> read(vmi("vm", "", "secret: {secretName: s}",
                "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"%%%\"}\n")));
        assertTrue(secretData.problems().getFirst().message().contains("Secret \"s\" key \"k\""), secretData.getMessage());
    }

    @Test
    void aVolumeLabelThatCannotBeAnIsoVolumeIdIsASpecProblem() {
        VmmException e = assertThrows(VmmException.class,
                () -> read(vmi("vm", "", "configMap: {name: app, volumeLabel: " + "l".repeat(33) + "}", "")));
        assertEquals("spec.volumes[0].configMap.volumeLabel", e.problems().getFirst().path());
        assertEquals("l".repeat(32), iso(vmi("vm", "", "secret: {secretName: s, volumeLabel: " + "l".repeat(32) + "}", ""))
                .label());
    }

    static final String SECRET = """
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: ci}
            data: {userdata: %s, networkData: %s}
            """.formatted(b64("#cloud-config from secret\n"), b64("version: 2\n"));

    @Test
    void secretRefGivesUserAndNetworkDataFromTheStream() {
        Map<String, String> f = files(iso(vmi("vm", "", "cloudInitNoCloud: {secretRef: {name: ci}}", SECRET)));
        assertEquals("#cloud-config from secret\n", f.get("user-data"));
        assertEquals("version: 2\n", f.get("network-config"));
        Map<String, String> split = files(iso(vmi("vm", "", "cloudInitConfigDrive: {userDataSecretRef: {name: ci}, networkData: inline}",
                SECRET)));
        assertEquals("#cloud-config from secret\n", split.get("openstack/latest/user_data"));
        assertEquals("inline", split.get("openstack/latest/network_data.json"));
    }

    @Test
    void aMissingSecretOrKeyIsNamedWithTheVolume(@TempDir Path state) throws Exception {
        HostFacts facts = facts(state);
        VmmException missing = assertThrows(VmmException.class,
                () -> files(iso(vmi("vm", "", "cloudInitNoCloud: {secretRef: {name: nowhere}}", ""), facts)));
        assertEquals(VmmException.Kind.VOLUME_INVALID, missing.kind());
        assertEquals("gen", missing.subject());
        assertTrue(missing.getMessage().contains("Secret \"nowhere\"")
                && missing.getMessage().contains(state.resolve("secrets/nowhere").toString()), missing.getMessage());
        VmmException key = assertThrows(VmmException.class, () -> files(iso(vmi("vm", "",
                "cloudInitNoCloud: {networkDataSecretRef: {name: ci}, userDataSecretRef: {name: ci}}",
                "---\napiVersion: v1\nkind: Secret\nmetadata: {name: ci}\nstringData: {networkdata: n}\n"), facts)));
        assertEquals(VmmException.Kind.VOLUME_INVALID, key.kind());
        assertTrue(key.getMessage().contains("volume \"gen\"") && key.getMessage().contains("userdata or userData"), key.getMessage());
    }

    @Test
    void configMapsSecretsAndServiceAccountsAreFlatFilesFromTheStreamOrTheStateDirectory(@TempDir Path state) throws Exception {
        HostFacts facts = facts(state);
        Artifact.BuildIso cm = iso(vmi("vm", "", "configMap: {name: app, volumeLabel: appcfg}",
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {app.properties: \"mode=demo\\n\"}\n"
                        + "binaryData: {blob: " + b64("bin") + "}\n"), facts);
        assertEquals("appcfg", cm.label());
        assertEquals(Map.of("app.properties", "mode=demo\n", "blob", "bin"), files(cm));

        Files.createDirectories(state.resolve("secrets/db"));
        Files.writeString(state.resolve("secrets/db/password"), "s3cret");
        Files.writeString(state.resolve("secrets/db/.hidden"), "skipped");
        Artifact.BuildIso secret = iso(vmi("vm", "", "secret: {secretName: db}", ""), facts);
        assertEquals("cfgdata", secret.label());
        assertEquals(Map.of("password", "s3cret"), files(secret));

        Path sa = Files.createDirectories(state.resolve("serviceaccounts/default"));
        Artifact.BuildIso account = iso(vmi("vm", "", "serviceAccount: {serviceAccountName: default}", ""), facts);
        Files.writeString(sa.resolve("token"), "tok");
        VmmException noCa = assertThrows(VmmException.class, () -> files(account));
        assertTrue(noCa.getMessage().contains("ca.crt") && noCa.getMessage().contains("volume \"gen\""), noCa.getMessage());
        Files.writeString(sa.resolve("ca.crt"), "CA");
        assertEquals(Map.of("namespace", "default", "token", "tok", "ca.crt", "CA"), files(account));
    }

    static HostFacts facts(Path state) {
        HostFacts e = HostFacts.example();
        return new HostFacts(e.claimsDir(), e.runDir(), e.imageStore(), e.accelerator(), e.withoutDirectIo(), e.claimDevices(),
                e.persistentReservation(), e.prHelperSocket(), e.preferIoUring(), e.spareRootPorts(), state);
    }
}
