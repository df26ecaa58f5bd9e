package dev.qvmm.vmm.storage;

import dev.qvmm.vmm.spec.KeyData;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a generated ISO must hold, as the planner computed it from the spec without touching the
 * host. ConfigMaps and Secrets that were not in the YAML stream are named by the host directory
 * that must hold them ({@code <state>/configmaps/<name>}, {@code <state>/secrets/<name>}, one file
 * per key); those are read only when the ISO is built ({@link IsoFiles}).
 */
public sealed interface IsoContent {

    /** One line for {@code qvmm plan}. */
    String describe();

    /** The two cloud-init disk layouts KubeVirt writes. */
    enum Layout {
        /** {@code user-data}, {@code meta-data}, {@code network-config}; label cidata. */
        NO_CLOUD,
        /** {@code openstack/latest/{meta_data.json,user_data,network_data.json}}; label config-2. */
        CONFIG_DRIVE
    }

    /** A ConfigMap or Secret: in the stream with its data, or expected as a host directory. */
    sealed interface KeyObject {
        /** "ConfigMap" or "Secret". */
        String kind();

        String name();
    }

    record InStream(String kind, String name, KeyData data) implements KeyObject {
        public InStream {
            Objects.requireNonNull(data, "data");
        }
    }

    record HostDirectory(String kind, String name, Path dir) implements KeyObject {
        public HostDirectory {
            Objects.requireNonNull(dir, "dir");
        }
    }

    /** One of user or network data. */
    sealed interface Data {
    }

    /** Known from the spec. */
    record Inline(String text) implements Data {
    }

    /** The first of {@code keys} present in {@code secret}; absent keys are an error only when {@code required}. */
    record FromSecret(KeyObject secret, List<String> keys, boolean required) implements Data {
        public FromSecret {
            keys = List.copyOf(keys);
        }
    }

    /**
     * A cloud-init data source.
     *
     * @param instanceId stable per VM name (see {@link IsoFiles#instanceId(String)})
     * @param hostname   already checked and cut to 63 characters
     */
    record CloudInit(Layout layout, String instanceId, String hostname, Optional<Data> userData,
                     Optional<Data> networkData) implements IsoContent {
        public CloudInit {
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(instanceId, "instanceId");
            Objects.requireNonNull(hostname, "hostname");
        }

        public String describe() {
            return (layout == Layout.NO_CLOUD ? "cloudInitNoCloud" : "cloudInitConfigDrive") + " instance-id " + instanceId
                    + ", hostname " + hostname + userData.map(d -> ", userData " + IsoContent.describe(d)).orElse("")
                    + networkData.map(d -> ", networkData " + IsoContent.describe(d)).orElse("");
        }
    }

    /** A ConfigMap or Secret as a flat ISO: one file per key. */
    record Keys(KeyObject object) implements IsoContent {
        public String describe() {
            return IsoContent.describe(object);
        }
    }

    /**
     * A ServiceAccount: {@code token} and {@code ca.crt} from the host directory
     * {@code <state>/serviceaccounts/<name>}, {@code namespace} from there too or else the VM's namespace.
     */
    record ServiceAccount(String name, String namespace, Path dir) implements IsoContent {
        public String describe() {
            return "ServiceAccount " + name + " from " + dir;
        }
    }

    private static String describe(Data d) {
        return switch (d) {
            case Inline i -> "inline (" + i.text().length() + " characters)";
            case FromSecret s -> "key " + String.join(" or ", s.keys()) + " of " + describe(s.secret());
        };
    }

    private static String describe(KeyObject o) {
        return switch (o) {
            case InStream s -> s.kind() + " " + s.name() + " (in the stream, keys " + String.join(", ", s.data().keys()) + ")";
            case HostDirectory h -> h.kind() + " " + h.name() + " from " + h.dir();
        };
    }
}
