package dev.qvmm.vmm.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.KeyData;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The files of a generated ISO, path to bytes, from its {@link IsoContent}: a pure function once
 * the host directories it names are read (by the {@link DirectoryReader} given, so tests need no
 * files). Errors name the volume, the object and the key.
 *
 * <p>The cloud-init instance-id is KubeVirt's stable firmware UUID: a UUIDv5 (SHA-1) of the VM name
 * in the namespace {@value #KUBEVIRT_FIRMWARE_NAMESPACE}, the same as KubeVirt derives for a VM of
 * that name; it survives restarts and differs between VMs.
 */
public final class IsoFiles {

    /** KubeVirt's {@code firmwareUUIDns} ("magicUUID" of the VM controller). */
    public static final String KUBEVIRT_FIRMWARE_NAMESPACE = "6a1a24a1-4061-4607-8bf4-a3963d0c5895";

    /** Kubernetes' rule for ConfigMap and Secret keys; also keeps every file flat in the ISO root. */
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a ConfigMap or Secret kept as a host directory (one file per key). */
    @FunctionalInterface
    public interface DirectoryReader {
        KeyData read(String volume, String kind, String name, Path dir);
    }

    private IsoFiles() {
    }

    /** UUIDv5 of {@code vmName} in {@link #KUBEVIRT_FIRMWARE_NAMESPACE}. */
    public static String instanceId(String vmName) {
        UUID ns = UUID.fromString(KUBEVIRT_FIRMWARE_NAMESPACE);
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(ByteBuffer.allocate(16).putLong(ns.getMostSignificantBits()).putLong(ns.getLeastSignificantBits()).array());
            byte[] h = sha1.digest(vmName.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            ByteBuffer b = ByteBuffer.wrap(h, 0, 16);
            return new UUID(b.getLong(), b.getLong()).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }

    /** The ISO's files, sorted by path; directories are implied by the paths. */
    public static SortedMap<String, byte[]> files(String volume, IsoContent content, DirectoryReader reader) {
        return switch (content) {
            case IsoContent.CloudInit c -> cloudInit(volume, c, reader);
            case IsoContent.Keys k -> {
                KeyData data = read(volume, k.object(), reader);
                SortedMap<String, byte[]> files = new TreeMap<>();
                for (String key : data.keys()) {
                    files.put(checkedKey(volume, k.object().kind(), k.object().name(), key), data.get(key));
                }
                yield files;
            }
            case IsoContent.ServiceAccount s -> {
                KeyData data = reader.read(volume, "ServiceAccount", s.name(), s.dir());
                SortedMap<String, byte[]> files = new TreeMap<>();
                for (String key : new String[] {"token", "ca.crt"}) {
                    byte[] b = data.get(key);
                    if (b == null) {
                        throw missingKey(volume, "ServiceAccount", s.name(), key, s.dir());
                    }
                    files.put(key, b);
                }
                byte[] ns = data.get("namespace");
                files.put("namespace", ns != null ? ns : s.namespace().getBytes(StandardCharsets.UTF_8));
                yield files;
            }
        };
    }

    private static SortedMap<String, byte[]> cloudInit(String volume, IsoContent.CloudInit c, DirectoryReader reader) {
        Optional<byte[]> user = c.userData().flatMap(d -> data(volume, d, reader));
        Optional<byte[]> network = c.networkData().flatMap(d -> data(volume, d, reader));
        if (user.isEmpty() && network.isEmpty()) {
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume
                    + "\": cloud-init found neither user nor network data: " + c.describe()
                    + "; add a userdata or networkdata key to the Secret");
        }
        SortedMap<String, byte[]> files = new TreeMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        switch (c.layout()) {
            case NO_CLOUD -> {
                meta.put("instance-id", c.instanceId());
                meta.put("local-hostname", c.hostname());
                files.put("meta-data", json(meta));
                files.put("user-data", user.orElse(new byte[0]));
                network.ifPresent(n -> files.put("network-config", n));
            }
            case CONFIG_DRIVE -> {
                meta.put("instance_id", c.instanceId());
                meta.put("uuid", c.instanceId());
                meta.put("hostname", c.hostname());
                files.put("openstack/latest/meta_data.json", json(meta));
                user.ifPresent(u -> files.put("openstack/latest/user_data", u));
                network.ifPresent(n -> files.put("openstack/latest/network_data.json", n));
            }
        }
        return files;
    }

    private static Optional<byte[]> data(String volume, IsoContent.Data d, DirectoryReader reader) {
        return switch (d) {
            case IsoContent.Inline i -> Optional.of(i.text().getBytes(StandardCharsets.UTF_8));
            case IsoContent.FromSecret s -> {
                KeyData data = read(volume, s.secret(), reader);
                for (String key : s.keys()) {
                    byte[] b = data.get(key);
                    if (b != null) {
                        yield Optional.of(b);
                    }
                }
                if (s.required()) {
                    throw missingKey(volume, "Secret", s.secret().name(), String.join(" or ", s.keys()), null);
                }
                yield Optional.empty();
            }
        };
    }

    private static KeyData read(String volume, IsoContent.KeyObject o, DirectoryReader reader) {
        return switch (o) {
            case IsoContent.InStream s -> s.data();
            case IsoContent.HostDirectory h -> reader.read(volume, h.kind(), h.name(), h.dir());
        };
    }

    private static String checkedKey(String volume, String kind, String name, String key) {
        if (!KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": " + kind + " \""
                    + name + "\" key \"" + key + "\" cannot be a file name; keys are made of a-z, A-Z, 0-9, '-', '_' and '.'");
        }
        return key;
    }

    private static VmmException missingKey(String volume, String kind, String name, String key, Path dir) {
        return new VmmException(VmmException.Kind.VOLUME_UNAVAILABLE, volume, "volume \"" + volume + "\": " + kind + " \""
                + name + "\" has no key " + key + (dir != null ? " (no file " + dir.resolve(key.split(" ")[0]) + ")" : "")
                + "; add it");
    }

    private static byte[] json(Map<String, String> meta) {
        try {
            return JSON.writeValueAsBytes(meta);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always renders as JSON", e);
        }
    }
}
