package dev.qvmm.vmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.SpecContext;
import dev.qvmm.vmm.spec.SpecProblem;
import dev.qvmm.vmm.spec.SpecReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Hostile and wrong specs, each read twice: by {@link SpecReader} (the kind of the refusal, its rule
 * and the field path named) and by {@code qvmm plan} in-process (exit 2, the path on stderr; exit 0
 * for the few boundary cases that must still be accepted). Every read has a wall-clock bound, and
 * the huge inputs (50 MB, 100 MB of user data, an endless stream) are refused within it because the
 * read stops at the limit, not after reading everything. Huge inputs are generated, never committed;
 * the small ones with a story live in {@code src/test/resources/hostile/}.
 */
class HostileSpecTest {

    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final int MB = 1_000_000;

    @TempDir
    Path dir;

    /**
     * One hostile input. {@code kind} null means the input must be accepted; {@code path} ending in
     * "..." matches as a prefix; {@code rule} null (with a null path) means no problem is attached,
     * as for text that is not YAML at all.
     */
    record Hostile(String name, Supplier<String> text, VmmException.Kind kind, SpecProblem.Rule rule, String path) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Hostile refused(String name, Supplier<String> text, SpecProblem.Rule rule, String path) {
        boolean reader = switch (rule) {
            case INPUT_LIMIT, YAML_ALIAS, DUPLICATE_KEY -> true;
            default -> false;
        };
        return new Hostile(name, text, reader ? VmmException.Kind.SPEC_UNREADABLE : VmmException.Kind.SPEC_INVALID, rule, path);
    }

    private static Hostile invalid(String name, String text, SpecProblem.Rule rule, String path) {
        return refused(name, () -> text, rule, path);
    }

    private static Hostile accepted(String name, String text) {
        return new Hostile(name, () -> text, null, null, null);
    }

    private static String resource(String name) {
        try (InputStream in = HostileSpecTest.class.getResourceAsStream("/hostile/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String MEM = "    resources: {requests: {memory: 64Mi}}\n";
    private static final String DISK = "      - {name: a, disk: {}}\n";
    private static final String EMPTY = "  - {name: a, emptyDisk: {capacity: 1Gi}}\n";

    /** A VMI with {@code domain} lines (memory by default), disks and volumes, and {@code spec} lines before domain. */
    static String vmi(String spec, String domain, String disks, String volumes) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata: {name: hostile}
                spec:
                %s  domain:
                %s    devices:
                      disks:
                %s  volumes:
                %s""".formatted(spec, domain, disks, volumes);
    }

    static String vmi(String domain, String volumes) {
        return vmi("", domain, DISK, volumes);
    }

    private static String cloudInit(String source, String fields) {
        return vmi(MEM, "  - name: a\n    " + source + ":\n" + fields);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String claimDoc(String name, String storage) {
        return "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: " + name + "}\n"
                + "spec: {resources: {requests: {storage: '" + storage + "'}}}\n";
    }

    private static final String CLAIM_VOLUME = "  - {name: a, persistentVolumeClaim: {claimName: c}}\n";
    private static final String DV_VOLUME = "  - {name: a, dataVolume: {name: dv}}\n";

    static Stream<Hostile> cases() {
        String laughs = resource("billion-laughs.yaml");
        return Stream.of(
                // Aliases: Jackson would hand back the anchor's name as the value; every one is refused.
                refused("billion laughs", () -> laughs, SpecProblem.Rule.YAML_ALIAS, "b[0]"),
                refused("merge key", () -> resource("merge-key.yaml"), SpecProblem.Rule.YAML_ALIAS, "spec.volumes[0].emptyDisk.<<"),
                invalid("alias for cores", vmi(MEM + "    cpu: {cores: *n}\n", EMPTY).replace("metadata: {name: hostile}",
                        "metadata: {name: hostile, labels: {n: &n '2'}}"), SpecProblem.Rule.YAML_ALIAS, "spec.domain.cpu.cores"),
                refused("alias bomb in a list of a million aliases", () -> "a: &a x\nb: [" + "*a,".repeat(1_000_000) + "*a]\n",
                        SpecProblem.Rule.YAML_ALIAS, "b[0]"),

                // Nesting: refused at 64 levels, wherever it is.
                refused("10k nested flow lists", () -> "[".repeat(10_000) + "]".repeat(10_000), SpecProblem.Rule.INPUT_LIMIT, "[0]..."),
                refused("10k nested flow mappings", () -> "{a: ".repeat(10_000) + "}".repeat(10_000), SpecProblem.Rule.INPUT_LIMIT, "a.a..."),
                refused("10k unclosed flow lists", () -> "[".repeat(10_000), SpecProblem.Rule.INPUT_LIMIT, "[0]..."),
                refused("100 nested block mappings", () -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < 100; i++) {
                        sb.append(" ".repeat(i)).append("k:\n");
                    }
                    return sb.toString();
                }, SpecProblem.Rule.INPUT_LIMIT, "k.k.k..."),
                refused("10k nested block mappings (50 MB of indentation)", () -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < 10_000; i++) {
                        sb.append(" ".repeat(i)).append("k:\n");
                    }
                    return sb.toString();
                }, SpecProblem.Rule.INPUT_LIMIT, "(document)"),
                invalid("deep nesting in an unknown field of a spec", vmi(MEM + "    x: " + "[".repeat(80) + "]".repeat(80) + "\n", EMPTY),
                        SpecProblem.Rule.INPUT_LIMIT, "spec.domain.x[0]..."),

                // Size: the whole input is bounded at 4 MiB while it is read.
                refused("50 MB document", () -> vmi(MEM, EMPTY) + "# " + "x".repeat(50 * MB) + "\n", SpecProblem.Rule.INPUT_LIMIT, "(document)"),
                refused("50 MB of one plain scalar", () -> "a: " + "x".repeat(50 * MB) + "\n", SpecProblem.Rule.INPUT_LIMIT, "(document)"),
                refused("100 MB of userData", () -> cloudInit("cloudInitNoCloud", "      userData: \"" + "x".repeat(100 * MB) + "\"\n"),
                        SpecProblem.Rule.INPUT_LIMIT, "(document)"),
                refused("4 MiB and one byte", () -> {
                    String base = vmi(MEM, EMPTY) + "# ";
                    return base + "x".repeat((4 << 20) - base.length() - 1) + "\n" + "y";
                }, SpecProblem.Rule.INPUT_LIMIT, "(document)"),
                refused("4 MiB in two-byte characters, 2 Mi chars", () -> vmi(MEM, EMPTY) + "# " + "\u00e9".repeat(2 << 20) + "\n",
                        SpecProblem.Rule.INPUT_LIMIT, "(document)"),
                refused("3 MB of userData: under the spec bound, over KubeVirt's", () -> cloudInit("cloudInitNoCloud",
                        "      userData: \"" + "x".repeat(3 * MB) + "\"\n"), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud"),

                // Cloud-init: KubeVirt's 2048 bytes for user and for network data, inline or base64-decoded.
                accepted("userData of exactly 2048 bytes", cloudInit("cloudInitNoCloud", "      userData: " + "u".repeat(2048) + "\n")),
                invalid("userData of 2049 bytes", cloudInit("cloudInitNoCloud", "      userData: " + "u".repeat(2049) + "\n"),
                        SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud"),
                accepted("userDataBase64 decoding to 2048 bytes", cloudInit("cloudInitNoCloud", "      userDataBase64: " + b64("u".repeat(2048)) + "\n")),
                invalid("userDataBase64 decoding to 2049 bytes", cloudInit("cloudInitNoCloud", "      userDataBase64: " + b64("u".repeat(2049)) + "\n"),
                        SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud"),
                invalid("networkData of 2049 bytes", cloudInit("cloudInitNoCloud", "      networkData: " + "n".repeat(2049) + "\n"),
                        SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud"),
                invalid("networkDataBase64 decoding to 2049 bytes", cloudInit("cloudInitNoCloud", "      networkDataBase64: "
                        + b64("n".repeat(2049)) + "\n"), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud"),
                invalid("configDrive userData of 2049 bytes", cloudInit("cloudInitConfigDrive", "      userData: " + "u".repeat(2049) + "\n"),
                        SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitConfigDrive"),
                invalid("configDrive networkData of 2049 bytes", cloudInit("cloudInitConfigDrive", "      userData: u\n      networkData: "
                        + "n".repeat(2049) + "\n"), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitConfigDrive"),
                invalid("userData counted in bytes, not characters (1400 chars, 3500 bytes)", cloudInit("cloudInitNoCloud",
                        "      userData: " + "\u00e9\u20ac".repeat(700) + "\n"), SpecProblem.Rule.CLOUD_INIT_DATA_LIMIT, "spec.volumes[0].cloudInitNoCloud"),

                // Documents: 64 at most, empty ones counted too.
                invalid("65 documents", vmi(MEM, EMPTY) + "---\nkind: StorageClass\nmetadata: {name: s}\n".repeat(64),
                        SpecProblem.Rule.INPUT_LIMIT, "document 65"),
                refused("100k empty documents", () -> "---\n".repeat(100_000), SpecProblem.Rule.INPUT_LIMIT, "document 65"),
                // Distinct names: one object given twice is an error of its own (ObjectConverter).
                accepted("64 documents", vmi(MEM, EMPTY) + java.util.stream.IntStream.range(0, 63)
                        .mapToObj(i -> "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s" + i + "}\n").reduce("", String::concat)),

                // Repeated keys: which one would win is up to the parser; refused, naming the key.
                refused("kind twice", () -> resource("duplicate-kind.yaml"), SpecProblem.Rule.DUPLICATE_KEY, "kind"),
                refused("requests twice", () -> resource("duplicate-memory.yaml"), SpecProblem.Rule.DUPLICATE_KEY, "spec.domain.resources.requests"),
                invalid("a disk's name twice", vmi("", MEM, "      - {name: a, name: b, disk: {}}\n", EMPTY), SpecProblem.Rule.DUPLICATE_KEY,
                        "spec.domain.devices.disks[0].name"),
                invalid("a key twice in JSON", "{\"apiVersion\": \"kubevirt.io/v1\", \"kind\": \"VirtualMachineInstance\", \"metadata\": "
                        + "{\"name\": \"a\", \"name\": \"b\"}}", SpecProblem.Rule.DUPLICATE_KEY, "metadata.name"),
                invalid("a ConfigMap key twice", vmi(MEM, EMPTY) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n"
                        + "data: {k: one, k: two}\n", SpecProblem.Rule.DUPLICATE_KEY, "data.k"),

                // Control characters: raw ones are not YAML; escaped ones are values the rules then judge.
                new Hostile("a raw NUL byte", () -> resource("nul-byte.yaml"), VmmException.Kind.SPEC_UNREADABLE, null, null),
                new Hostile("a raw BEL byte", () -> resource("control-char.yaml"), VmmException.Kind.SPEC_UNREADABLE, null, null),
                invalid("an escaped NUL in a serial", vmi("", MEM, "      - {name: a, disk: {}, serial: \"ab\\0cd\"}\n", EMPTY),
                        SpecProblem.Rule.INVALID_SERIAL, "spec.domain.devices.disks[0].serial"),
                invalid("an escaped control character in a bus", vmi("", MEM, "      - {name: a, disk: {bus: \"virt\\x01io\"}}\n", EMPTY),
                        SpecProblem.Rule.UNSUPPORTED_BUS, "spec.domain.devices.disks[0].disk.bus"),

                // Memory: readable, not negative, at most 16 TiB.
                invalid("memory 9223372036854775807", vmi("    resources: {requests: {memory: 9223372036854775807}}\n", EMPTY),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.domain.resources.requests.memory"),
                invalid("memory 17Ti", vmi("    resources: {requests: {memory: 17Ti}}\n", EMPTY),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.domain.resources.requests.memory"),
                invalid("memory.guest 1Ei", vmi("    memory: {guest: 1Ei}\n", EMPTY), SpecProblem.Rule.OUT_OF_RANGE, "spec.domain.memory.guest"),
                invalid("memory limit 1e30", vmi("    resources: {limits: {memory: 1e30}}\n", EMPTY),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.domain.resources.limits.memory"),
                invalid("memory 99999999999999999999999Ei", vmi("    resources: {requests: {memory: 99999999999999999999999Ei}}\n", EMPTY),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.domain.resources.requests.memory"),
                invalid("memory -1Gi", vmi("    resources: {requests: {memory: -1Gi}}\n", EMPTY),
                        SpecProblem.Rule.INVALID_QUANTITY, "spec.domain.resources.requests.memory"),
                accepted("memory 16Ti", vmi("    resources: {requests: {memory: 16Ti}}\n", EMPTY)),

                // Sizes: readable, not negative, at most 1 PiB; a claim's request above zero.
                invalid("emptyDisk 2Pi", vmi(MEM, "  - {name: a, emptyDisk: {capacity: 2Pi}}\n"),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.volumes[0].emptyDisk.capacity"),
                invalid("emptyDisk 9223372036854775807", vmi(MEM, "  - {name: a, emptyDisk: {capacity: 9223372036854775807}}\n"),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.volumes[0].emptyDisk.capacity"),
                invalid("hostDisk capacity 1e20", vmi(MEM, "  - {name: a, hostDisk: {path: /d.img, type: DiskOrCreate, capacity: 1e20}}\n"),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.volumes[0].hostDisk.capacity"),
                invalid("claim request 0", vmi(MEM, CLAIM_VOLUME) + claimDoc("c", "0"),
                        SpecProblem.Rule.INVALID_QUANTITY, "PersistentVolumeClaim/c: spec.resources.requests.storage"),
                invalid("claim request -5Gi", vmi(MEM, CLAIM_VOLUME) + claimDoc("c", "-5Gi"),
                        SpecProblem.Rule.INVALID_QUANTITY, "PersistentVolumeClaim/c: spec.resources.requests.storage"),
                invalid("claim request 2Pi", vmi(MEM, CLAIM_VOLUME) + claimDoc("c", "2Pi"),
                        SpecProblem.Rule.OUT_OF_RANGE, "PersistentVolumeClaim/c: spec.resources.requests.storage"),
                invalid("PersistentVolume capacity 1e40", vmi(MEM, CLAIM_VOLUME) + "---\napiVersion: v1\nkind: PersistentVolume\n"
                        + "metadata: {name: pv}\nspec: {capacity: {storage: 1e40}, local: {path: /dev/null}}\n",
                        SpecProblem.Rule.OUT_OF_RANGE, "PersistentVolume/pv: spec.capacity.storage"),
                invalid("DataVolume size 0", vmi(MEM, DV_VOLUME) + "---\napiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\n"
                        + "metadata: {name: dv}\nspec: {source: {blank: {}}, storage: {resources: {requests: {storage: '0'}}}}\n",
                        SpecProblem.Rule.INVALID_QUANTITY, "DataVolume/dv: spec.storage.resources.requests.storage"),
                invalid("dataVolumeTemplate size 0", """
                        apiVersion: kubevirt.io/v1
                        kind: VirtualMachine
                        metadata: {name: hostile}
                        spec:
                          runStrategy: Always
                          dataVolumeTemplates:
                          - metadata: {name: dv}
                            spec: {source: {blank: {}}, pvc: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 0Gi}}}}
                          template:
                            spec:
                              domain:
                                resources: {requests: {memory: 64Mi}}
                                devices: {disks: [{name: a, disk: {}}]}
                              volumes: [{name: a, dataVolume: {name: dv}}]
                        """, SpecProblem.Rule.INVALID_QUANTITY, "spec.dataVolumeTemplates[0].spec.pvc.resources.requests.storage"),

                // KubeVirt's and CDI's admission rules exit 2 from plan like every other refusal, whichever layer finds them.
                invalid("blockSize not a power of two", vmi("", MEM, "      - {name: a, disk: {bus: virtio}, blockSize: {custom: "
                        + "{logical: 512, physical: 1000}}}\n", EMPTY), SpecProblem.Rule.INVALID_BLOCK_SIZE,
                        "spec.domain.devices.disks[0].blockSize.custom.physical"),
                invalid("filesystem name over the 36-byte virtiofs tag", vmi("", MEM, DISK + "      filesystems: [{name: " + "f".repeat(37)
                        + ", virtiofs: {}}]\n", EMPTY + "  - {name: " + "f".repeat(37) + ", persistentVolumeClaim: {claimName: c}}\n"),
                        SpecProblem.Rule.INVALID_NAME, "spec.domain.devices.filesystems[0].name"),
                invalid("sysprep volume", vmi("", MEM, "      - {name: a, cdrom: {}}\n", "  - {name: a, sysprep: {configMap: {name: x}}}\n"),
                        SpecProblem.Rule.UNSUPPORTED_SOURCE, "spec.volumes[0].sysprep"),
                invalid("DataVolume sourceRef", vmi(MEM, DV_VOLUME) + "---\n{apiVersion: cdi.kubevirt.io/v1beta1, kind: DataVolume, "
                        + "metadata: {name: dv}, spec: {sourceRef: {kind: DataSource, name: f}, storage: {}}}\n",
                        SpecProblem.Rule.UNSUPPORTED_SOURCE, "DataVolume/dv: spec.sourceRef"),

                // Whole numbers: no fractions, no overflow, no negatives where KubeVirt has none.
                invalid("cores 3.5", vmi(MEM + "    cpu: {cores: 3.5}\n", EMPTY), SpecProblem.Rule.INVALID_TYPE, "spec.domain.cpu.cores"),
                invalid("threads 2.5", vmi(MEM + "    cpu: {threads: 2.5}\n", EMPTY), SpecProblem.Rule.INVALID_TYPE, "spec.domain.cpu.threads"),
                invalid("sockets 1.5", vmi(MEM + "    cpu: {sockets: 1.5}\n", EMPTY), SpecProblem.Rule.INVALID_TYPE, "spec.domain.cpu.sockets"),
                invalid("bootOrder 1.5", vmi("", MEM, "      - {name: a, disk: {}, bootOrder: 1.5}\n", EMPTY),
                        SpecProblem.Rule.INVALID_TYPE, "spec.domain.devices.disks[0].bootOrder"),
                invalid("terminationGracePeriodSeconds 2.5", vmi("  terminationGracePeriodSeconds: 2.5\n", MEM, DISK, EMPTY),
                        SpecProblem.Rule.INVALID_TYPE, "spec.terminationGracePeriodSeconds"),
                invalid("terminationGracePeriodSeconds -1", vmi("  terminationGracePeriodSeconds: -1\n", MEM, DISK, EMPTY),
                        SpecProblem.Rule.OUT_OF_RANGE, "spec.terminationGracePeriodSeconds"),
                invalid("terminationGracePeriodSeconds at Long.MIN_VALUE", vmi("  terminationGracePeriodSeconds: -9223372036854775808\n",
                        MEM, DISK, EMPTY), SpecProblem.Rule.OUT_OF_RANGE, "spec.terminationGracePeriodSeconds"),
                invalid("terminationGracePeriodSeconds beyond a long", vmi("  terminationGracePeriodSeconds: 99999999999999999999\n",
                        MEM, DISK, EMPTY), SpecProblem.Rule.OUT_OF_RANGE, "spec.terminationGracePeriodSeconds"),
                accepted("terminationGracePeriodSeconds 0", vmi("  terminationGracePeriodSeconds: 0\n", MEM, DISK, EMPTY)),
                invalid("cores beyond an int", vmi(MEM + "    cpu: {cores: 99999999999}\n", EMPTY), SpecProblem.Rule.OUT_OF_RANGE,
                        "spec.domain.cpu.cores"),
                invalid("cores -2", vmi(MEM + "    cpu: {cores: -2}\n", EMPTY), SpecProblem.Rule.INVALID_QUANTITY, "spec.domain.cpu.cores"),
                invalid("sockets 0", vmi(MEM + "    cpu: {sockets: 0}\n", EMPTY), SpecProblem.Rule.INVALID_QUANTITY, "spec.domain.cpu.sockets"),
                invalid("threads 5000", vmi(MEM + "    cpu: {threads: 5000}\n", EMPTY), SpecProblem.Rule.INVALID_QUANTITY, "spec.domain.cpu.threads"),
                invalid("cpu request 1e9", vmi("    resources: {requests: {memory: 64Mi, cpu: 1e9}}\n", EMPTY),
                        SpecProblem.Rule.INVALID_QUANTITY, "spec.domain.resources.requests.cpu"),
                invalid("bootOrder -1", vmi("", MEM, "      - {name: a, disk: {}, bootOrder: -1}\n", EMPTY),
                        SpecProblem.Rule.INVALID_BOOT_ORDER, "spec.domain.devices.disks[0].bootOrder"));
    }

    private static boolean pathMatches(String actual, String expected) {
        return expected.endsWith("...") ? actual.startsWith(expected.substring(0, expected.length() - 3)) : actual.equals(expected);
    }

    @ParameterizedTest(name = "reader: {0}")
    @MethodSource("cases")
    void theReaderRefusesItNamingTheField(Hostile c) {
        String text = c.text().get();
        if (c.kind() == null) {
            assertTimeoutPreemptively(BOUND, () -> SpecReader.read(text, "hostile.yaml", SpecContext.defaults()));
            return;
        }
        VmmException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(VmmException.class, () -> SpecReader.read(text, "hostile.yaml", SpecContext.defaults())));
        assertEquals(c.kind(), e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("hostile.yaml"), "the message names the file: " + e.getMessage());
        if (c.rule() == null) {
            assertTrue(e.getMessage().contains("is not valid YAML or JSON"), e.getMessage());
        } else {
            assertTrue(e.problems().stream().anyMatch(p -> p.rule() == c.rule() && pathMatches(p.path(), c.path())),
                    "expected " + c.rule() + " at " + c.path() + ", got " + e.problems());
        }
    }

    private record Run(int code, String err) {
    }

    private Run plan(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = QvmmCommand.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 5];
        all[0] = "plan";
        all[1] = "--state-dir";
        all[2] = dir.resolve("state").toString();
        all[3] = "--accel";
        all[4] = "tcg";
        System.arraycopy(args, 0, all, 5, args.length);
        return new Run(cl.execute(all), err.toString());
    }

    @ParameterizedTest(name = "plan: {0}")
    @MethodSource("cases")
    void planExitsTwoNamingTheField(Hostile c) throws IOException {
        Path file = Files.writeString(dir.resolve("hostile.yaml"), c.text().get());
        Run r = assertTimeoutPreemptively(BOUND, () -> plan(file.toString()));
        if (c.kind() == null) {
            assertEquals(0, r.code(), r.err());
            return;
        }
        assertEquals(CliErrors.INVALID_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(file.toString()), "stderr names the file: " + r.err());
        if (c.path() != null && !c.path().startsWith("(")) {
            String shown = c.path().endsWith("...") ? c.path().substring(0, c.path().length() - 3) : c.path();
            assertTrue(r.err().contains(shown), "stderr names " + shown + ": " + r.err());
        }
        if ("(document)".equals(c.path())) {
            assertTrue(r.err().contains("4194304 bytes") || r.err().contains("64 levels"), r.err());
        }
    }

    @Test
    void anEndlessStreamIsRefusedAfterFourMebibytes() {
        long[] served = new long[1];
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served[0]++;
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'x');
                served[0] += len;
                return len;
            }
        };
        VmmException e = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(VmmException.class, () -> SpecReader.read(endless, "stdin", SpecContext.defaults())));
        assertEquals(VmmException.Kind.SPEC_UNREADABLE, e.kind());
        assertEquals(SpecProblem.Rule.INPUT_LIMIT, e.problems().getFirst().rule());
        assertTrue(served[0] <= (4 << 20) + 1, "read " + served[0] + " bytes; the bound is 4 MiB and one byte");
        assertTrue(e.getMessage().startsWith("stdin is over the 4194304 bytes"), e.getMessage());
    }

    @Test
    void aFiftyMegabyteStreamAndFileAreRefusedReadingOnlyTheBound() throws IOException {
        byte[] big = (vmi(MEM, EMPTY) + "# " + "x".repeat(50 * MB) + "\n").getBytes(StandardCharsets.UTF_8);
        VmmException fromStream = assertTimeoutPreemptively(BOUND, () -> assertThrows(VmmException.class,
                () -> SpecReader.read(new java.io.ByteArrayInputStream(big), "a request body", SpecContext.defaults())));
        assertEquals(SpecProblem.Rule.INPUT_LIMIT, fromStream.problems().getFirst().rule());
        Path file = Files.write(dir.resolve("big.yaml"), big);
        VmmException fromFile = assertTimeoutPreemptively(BOUND,
                () -> assertThrows(VmmException.class, () -> SpecReader.read(file, SpecContext.defaults())));
        assertEquals(VmmException.Kind.SPEC_UNREADABLE, fromFile.kind());
        assertEquals(SpecProblem.Rule.INPUT_LIMIT, fromFile.problems().getFirst().rule());
        assertTrue(fromFile.getMessage().contains(file.toString()) && fromFile.getMessage().contains("4194304 bytes (4 MiB)"),
                fromFile.getMessage());
    }

    @Test
    void aReservationOnAFilesystemClaimExitsTwoEvenWhereReservationIsEnabled() throws IOException {
        Path file = Files.writeString(dir.resolve("lun.yaml"), vmi("", MEM, "      - {name: a, lun: {reservation: true}}\n", CLAIM_VOLUME)
                + claimDoc("c", "1Gi"));
        Run r = assertTimeoutPreemptively(BOUND, () -> plan("--persistent-reservation", file.toString()));
        assertEquals(CliErrors.INVALID_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("spec.domain.devices.disks[0].lun.reservation") && r.err().contains("Filesystem claim"), r.err());
    }
}
