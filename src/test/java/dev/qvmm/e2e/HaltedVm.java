package dev.qvmm.e2e;

/**
 * The smallest VM a daemon test can store without booting anything: a VirtualMachine with
 * runStrategy Halted and one 1 MiB scratch disk.
 */
final class HaltedVm {

    /** Everything after the metadata. */
    static final String SPEC = """
            spec:
              runStrategy: Halted
              template:
                spec:
                  domain:
                    resources: {requests: {memory: 64Mi}}
                    devices: {disks: [{name: scratch, disk: {bus: virtio}}]}
                  volumes: [{name: scratch, emptyDisk: {capacity: 1Mi}}]
            """;

    private HaltedVm() {
    }

    /** The whole document; {@code yamlName} is written as it is (quote it for names YAML would read otherwise). */
    static String named(String yamlName) {
        return """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata: {name: %s}
                """.formatted(yamlName) + SPEC;
    }
}
