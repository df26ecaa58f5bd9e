package dev.qvmm.vmm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-name corpus: every place a spec names something that becomes a host path, with every
 * kind of bad name (traversal, absolute, '.', '..', '/', NUL and control characters, over-long,
 * unicode look-alikes, upper case where Kubernetes forbids it). Each must be refused by the reader
 * (exit 2 / HTTP 422) with a problem at exactly that field, before any host path is derived.
 */
class HostileNamesTest {

    /** A VM that uses every name position once; {@code @X@} is replaced per case (the others keep their good names). */
    private static final String SPEC = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachineInstance
            metadata: {name: @vm@, namespace: @ns@}
            spec:
              domain:
                resources: {requests: {memory: 128Mi}}
                firmware:
                  kernelBoot:
                    container: {image: /srv/kernels, kernelPath: @kernel@, initrdPath: @initrd@}
                devices:
                  disks:
                  - {name: @disk@, disk: {bus: virtio}}
                  - {name: claim, disk: {bus: virtio}}
                  - {name: dv, disk: {bus: virtio}}
                  - {name: cm, disk: {bus: virtio}}
                  - {name: sec, disk: {bus: virtio}}
                  - {name: sa, disk: {bus: virtio}}
                  - {name: ci, disk: {bus: virtio}}
                  - {name: eph, disk: {bus: virtio}}
                  - {name: cd, disk: {bus: virtio}}
              volumes:
              - {name: @volume@, emptyDisk: {capacity: 1Gi}}
              - {name: claim, persistentVolumeClaim: {claimName: @claimName@}}
              - {name: dv, dataVolume: {name: @dataVolumeRef@}}
              - {name: cm, configMap: {name: @configMapRef@}}
              - {name: sec, secret: {secretName: @secretRef@}}
              - {name: sa, serviceAccount: {serviceAccountName: @serviceAccountRef@}}
              - {name: ci, cloudInitNoCloud: {userDataSecretRef: {name: @userDataSecret@}, networkDataSecretRef: {name: @networkDataSecret@}}}
              - {name: eph, ephemeral: {persistentVolumeClaim: {claimName: @ephemeralClaim@}}}
              - {name: cd, containerDisk: {image: /srv/images/disk, path: @containerDiskPath@}}
            ---
            apiVersion: cdi.kubevirt.io/v1beta1
            kind: DataVolume
            metadata: {name: @dataVolume@}
            spec:
              source: {pvc: {name: @cloneSource@}}
              storage: {resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: cdi.kubevirt.io/v1beta1
            kind: DataVolume
            metadata: {name: imported}
            spec:
              source: {http: {url: "https://example.org/disk.img", secretRef: @httpSecret@, certConfigMap: @certConfigMap@}}
              storage: {resources: {requests: {storage: 1Gi}}}
            ---
            {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: @claim@}, spec: {resources: {requests: {storage: 1Gi}}}}
            ---
            {apiVersion: v1, kind: ConfigMap, metadata: {name: @configMap@}, data: {@configMapKey@: value}}
            ---
            {apiVersion: v1, kind: Secret, metadata: {name: @secret@}, stringData: {@secretKey@: value}}
            ---
            {apiVersion: v1, kind: ServiceAccount, metadata: {name: @serviceAccount@}}
            """;

    /** Where each placeholder is reported, and the good value it has in every other case. */
    private record Position(String placeholder, String path, String good, ObjectNames.Kind kind) {
    }

    private static final List<Position> POSITIONS = List.of(
            new Position("vm", "metadata.name", "vm", ObjectNames.Kind.VM),
            new Position("ns", "metadata.namespace", "default", ObjectNames.Kind.NAMESPACE),
            new Position("kernel", "spec.domain.firmware.kernelBoot.container.kernelPath", "/boot/vmlinuz", null),
            new Position("initrd", "spec.domain.firmware.kernelBoot.container.initrdPath", "/boot/initrd", null),
            new Position("disk", "spec.domain.devices.disks[0].name", "scratch", ObjectNames.Kind.DEVICE),
            new Position("volume", "spec.volumes[0].name", "scratch", ObjectNames.Kind.DEVICE),
            new Position("claimName", "spec.volumes[1].persistentVolumeClaim.claimName", "data", ObjectNames.Kind.REFERENCE),
            new Position("dataVolumeRef", "spec.volumes[2].dataVolume.name", "clone", ObjectNames.Kind.REFERENCE),
            new Position("configMapRef", "spec.volumes[3].configMap.name", "settings", ObjectNames.Kind.REFERENCE),
            new Position("secretRef", "spec.volumes[4].secret.secretName", "creds", ObjectNames.Kind.REFERENCE),
            new Position("serviceAccountRef", "spec.volumes[5].serviceAccount.serviceAccountName", "robot", ObjectNames.Kind.REFERENCE),
            new Position("userDataSecret", "spec.volumes[6].cloudInitNoCloud.userDataSecretRef.name", "creds", ObjectNames.Kind.REFERENCE),
            new Position("networkDataSecret", "spec.volumes[6].cloudInitNoCloud.networkDataSecretRef.name", "creds", ObjectNames.Kind.REFERENCE),
            new Position("ephemeralClaim", "spec.volumes[7].ephemeral.persistentVolumeClaim.claimName", "data", ObjectNames.Kind.REFERENCE),
            new Position("containerDiskPath", "spec.volumes[8].containerDisk.path", "/disk/root.qcow2", null),
            new Position("dataVolume", "DataVolume/%s: metadata.name", "clone", ObjectNames.Kind.OBJECT),
            new Position("cloneSource", "DataVolume/clone: spec.source.pvc.name", "data", ObjectNames.Kind.REFERENCE),
            new Position("httpSecret", "DataVolume/imported: spec.source.http.secretRef", "creds", ObjectNames.Kind.REFERENCE),
            new Position("certConfigMap", "DataVolume/imported: spec.source.http.certConfigMap", "settings", ObjectNames.Kind.REFERENCE),
            new Position("claim", "PersistentVolumeClaim/%s: metadata.name", "data", ObjectNames.Kind.OBJECT),
            new Position("configMap", "ConfigMap/%s: metadata.name", "settings", ObjectNames.Kind.OBJECT),
            new Position("configMapKey", "ConfigMap/settings: data.%s", "key", ObjectNames.Kind.KEY),
            new Position("secret", "Secret/%s: metadata.name", "creds", ObjectNames.Kind.OBJECT),
            new Position("secretKey", "Secret/creds: stringData.%s", "key", ObjectNames.Kind.KEY),
            new Position("serviceAccount", "ServiceAccount/%s: metadata.name", "robot", ObjectNames.Kind.OBJECT));

    /** Bad everywhere: none of these is one safe path component, or a path that stays inside its image. */
    private static final List<String> BAD_EVERYWHERE = List.of(
            "../../../../tmp/x/pwn", "/tmp/x/abs", "..", "a/../../b", "sub/../../../etc/shadow");

    /** Bad for every name and key (a path inside an image may have '/'; these it may not either). */
    private static final List<String> BAD_NAMES = List.of(
            ".", "a/b", "/", "nul\u0000byte", "bell\u0007", "new\nline", "tab\tname", "esc\u001b[31m", "del\u007f",
            "a".repeat(300), "vm\u2603", "vm\u0430" /* Cyrillic a */, "ｖｍ" /* fullwidth */, "with space",
            "semi;colon", "dollar$(id)", "back\\slash", "star*", "vm\u200b" /* zero-width space */);

    /** Bad for the DNS-1123 kinds only (references and keys take Kubernetes' key characters; disk and volume names are labels). */
    private static final List<String> BAD_SUBDOMAINS = List.of("UPPER", "under_score", "-lead", "trail-", "dot..dot", ".lead",
            "a".repeat(64));

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Position p : POSITIONS) {
            for (String bad : BAD_EVERYWHERE) {
                // an absolute path inside an image is that image's own root: fine for kernelPath and containerDisk path
                if (p.kind != null || !bad.startsWith("/tmp")) {
                    out.add(Arguments.of(p.placeholder, bad));
                }
            }
            if (p.kind == null) {
                // paths inside an image: control characters are refused, '/' is allowed
                out.add(Arguments.of(p.placeholder, "/boot/nul\u0000"));
                out.add(Arguments.of(p.placeholder, "/boot/../../../etc/passwd"));
                continue;
            }
            for (String bad : BAD_NAMES) {
                out.add(Arguments.of(p.placeholder, bad));
            }
            if (p.kind == ObjectNames.Kind.VM || p.kind == ObjectNames.Kind.OBJECT || p.kind == ObjectNames.Kind.NAMESPACE
                    || p.kind == ObjectNames.Kind.DEVICE) {
                boolean label = p.kind == ObjectNames.Kind.NAMESPACE || p.kind == ObjectNames.Kind.DEVICE;
                for (String bad : BAD_SUBDOMAINS) {
                    if (p.kind == ObjectNames.Kind.OBJECT && bad.length() == 64) {
                        out.add(Arguments.of(p.placeholder, "a".repeat(254)));
                    } else if (!(label && bad.equals("dot..dot"))) {
                        out.add(Arguments.of(p.placeholder, label && bad.equals(".lead") ? "a.b" : bad));
                    }
                }
            }
            if (p.kind == ObjectNames.Kind.KEY) {
                out.add(Arguments.of(p.placeholder, "..data"));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("cases")
    void refusedAtItsField(String placeholder, String bad) {
        Position at = POSITIONS.stream().filter(p -> p.placeholder.equals(placeholder)).findFirst().orElseThrow();
        VmmException e = assertThrows(VmmException.class, () -> SpecReader.read(spec(placeholder, bad), "hostile.yaml",
                new SpecContext(false)));
        assertEquals(VmmException.Kind.SPEC_INVALID, e.kind(), e.getMessage());
        String path = at.path.contains("%s") ? at.path.formatted(dev.qvmm.vmm.PathGuard.printable(bad)) : at.path;
        assertTrue(e.problems().stream().anyMatch(p -> p.path().equals(path) && p.rule() == SpecProblem.Rule.INVALID_NAME),
                "expected INVALID_NAME at " + path + ", got " + e.problems());
        // What a person reads never carries the raw control character (a NUL or an escape sequence in a terminal).
        assertFalse(e.getMessage().chars().anyMatch(c -> c < 0x20 && c != '\n'), e.getMessage());
    }

    @Test
    void theSameSpecWithGoodNamesReads() {
        SpecReader.Result r = SpecReader.read(spec("none", ""), "good.yaml", new SpecContext(false));
        assertEquals("vm", r.spec().name());
    }

    @Test
    void kubeVirtsOwnDocumentNamesStillRead() {
        // The reference IOThreads example names its claim vmi-shared_pvc (its disk was vmi-shared_disk, which KubeVirt's
        // admitter now refuses: a disk name must be a DNS label).
        String yaml = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: vmi-shared.example}
                spec:
                  domain:
                    resources: {requests: {memory: 64M}}
                    devices:
                      disks:
                      - {name: vmi-shared-disk, disk: {bus: virtio}}
                  volumes:
                  - {name: vmi-shared-disk, persistentVolumeClaim: {claimName: vmi-shared_pvc}}
                """;
        assertEquals("vmi-shared.example", SpecReader.read(yaml, "t.yaml", new SpecContext(false)).spec().name());
    }

    @Test
    void theLongestNamesKubernetesAllowsRead() {
        String vm = "v".repeat(63);
        String claim = "c".repeat(253);
        String yaml = """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: %s}
                spec:
                  domain:
                    resources: {requests: {memory: 64M}}
                    devices:
                      disks:
                      - {name: %s, disk: {bus: virtio}}
                  volumes:
                  - {name: %s, persistentVolumeClaim: {claimName: %s}}
                ---
                {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: %s}, spec: {resources: {requests: {storage: 1Gi}}}}
                """.formatted(vm, "d".repeat(63), "d".repeat(63), claim, claim);
        assertEquals(vm, SpecReader.read(yaml, "t.yaml", new SpecContext(false)).spec().name());
    }

    private static String spec(String placeholder, String bad) {
        String s = SPEC;
        for (Position p : POSITIONS) {
            s = s.replace("@" + p.placeholder + "@", quoted(p.placeholder.equals(placeholder) ? bad : p.good));
        }
        return s;
    }

    /** A YAML double-quoted scalar: every character outside printable ASCII as an escape, so the test file stays plain. */
    private static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.chars().forEach(c -> {
            if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.append((char) c);
            }
        });
        return b.append('"').toString();
    }
}
