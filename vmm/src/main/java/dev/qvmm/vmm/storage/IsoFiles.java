package dev.qvmm.vmm.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qvmm.vmm.VmmException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

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
 * The files of a generated ISO, path to {@link Content}, from its {@link IsoContent}: a pure
 * function once the host directories it names are listed (by the {@link DirectoryReader} given, so
 * tests need no files). A key kept as a host file stays a {@link HostFile}, copied when the ISO is
 * built and never read into memory here. No file may exceed {@link #MAX_FILE_BYTES}, what an ISO
 * 9660 file (one extent, as xorriso and genisoimage write them) can carry; that is checked before
 * anything is built. Errors name the volume, the object and the key.
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

    /** 4 GiB - 1: xorriso refuses a file of 4 GiB or more ("bigger than supported by used standard"). */
    public static final long MAX_FILE_BYTES = (1L << 32) - 1;

    /** What one file of the ISO holds. */
    public sealed interface Content {
        long size();
    }

    /** Bytes known here (from the spec, the stream, or made up like meta-data). */
    public record Bytes(byte[] bytes) implements Content {
        public long size() {
            return bytes.length;
        }
    }

    /** A host file taken as it is, {@code size} bytes when it was listed. */
    public record HostFile(Path path, long size) implements Content {
    }

    /** Lists a ConfigMap, Secret or ServiceAccount kept as a host directory: key to its file. */
    @FunctionalInterface
    public interface DirectoryReader {
        SortedMap<String, Content> read(String volume, String kind, String name, Path dir);
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

    /** The ISO's files with their bytes, host files read: for small ISOs and tests. */
    public static SortedMap<String, byte[]> files(String volume, IsoContent content, DirectoryReader reader) {
        SortedMap<String, byte[]> out = new TreeMap<>();
        contents(volume, content, reader).forEach((path, c) -> out.put(path, switch (c) {
            case Bytes b -> b.bytes();
            case HostFile h -> {
                try {
                    yield Files.readAllBytes(h.path());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }));
        return out;
    }

    /**
     * The ISO's files, sorted by path (directories are implied by the paths), each checked against
     * {@link #MAX_FILE_BYTES}.
     */
    public static SortedMap<String, Content> contents(String volume, IsoContent content, DirectoryReader reader) {
        SortedMap<String, Content> files = switch (content) {
            case IsoContent.CloudInit c -> cloudInit(volume, c, reader);
            case IsoContent.Keys k -> {
                SortedMap<String, Content> data = read(volume, k.object(), reader);
                SortedMap<String, Content> out = new TreeMap<>();
                data.forEach((key, c) -> out.put(checkedKey(volume, k.object().kind(), k.object().name(), key), c));
                yield out;
            }
            case IsoContent.ServiceAccount s -> {
                SortedMap<String, Content> data = reader.read(volume, "ServiceAccount", s.name(), s.dir());
                SortedMap<String, Content> out = new TreeMap<>();
                for (String key : new String[] {"token", "ca.crt"}) {
                    Content c = data.get(key);
                    if (c == null) {
                        throw missingKey(volume, "ServiceAccount", s.name(), key, s.dir());
                    }
                    out.put(key, c);
                }
                Content ns = data.get("namespace");
                out.put("namespace", ns != null ? ns : new Bytes(s.namespace().getBytes(StandardCharsets.UTF_8)));
                yield out;
            }
        };
        files.forEach((path, c) -> {
            if (c.size() > MAX_FILE_BYTES) {
                throw new VmmException(VmmException.Kind.ISO_BUILD_FAILED, volume, "volume \"" + volume + "\": " + path
                        + " would be " + c.size() + " bytes" + (c instanceof HostFile h ? " (" + h.path() + ")" : "")
                        + ", more than the " + MAX_FILE_BYTES + " bytes (4 GiB - 1) a file on an ISO 9660 disk can carry; "
                        + "make it smaller (user data can #include what the guest should fetch instead)");
            }
        });
        return files;
    }

    private static SortedMap<String, Content> cloudInit(String volume, IsoContent.CloudInit c, DirectoryReader reader) {
        Optional<Content> user = c.userData().flatMap(d -> data(volume, d, reader));
        Optional<Content> network = c.networkData().flatMap(d -> data(volume, d, reader));
        if (user.isEmpty() && network.isEmpty()) {
            throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume
                    + "\": cloud-init found neither user nor network data: " + c.describe()
                    + "; add a userdata or networkdata key to the Secret");
        }
        SortedMap<String, Content> files = new TreeMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        switch (c.layout()) {
            case NO_CLOUD -> {
                meta.put("instance-id", c.instanceId());
                meta.put("local-hostname", c.hostname());
                files.put("meta-data", json(meta));
                files.put("user-data", user.orElse(new Bytes(new byte[0])));
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

    private static Optional<Content> data(String volume, IsoContent.Data d, DirectoryReader reader) {
        return switch (d) {
            case IsoContent.Inline i -> Optional.of(new Bytes(i.text().getBytes(StandardCharsets.UTF_8)));
            case IsoContent.FromSecret s -> {
                SortedMap<String, Content> data = read(volume, s.secret(), reader);
                for (String key : s.keys()) {
                    Content c = data.get(key);
                    if (c != null) {
                        yield Optional.of(c);
                    }
                }
                if (s.required()) {
                    throw missingKey(volume, "Secret", s.secret().name(), String.join(" or ", s.keys()), null);
                }
                yield Optional.empty();
            }
        };
    }

    private static SortedMap<String, Content> read(String volume, IsoContent.KeyObject o, DirectoryReader reader) {
        return switch (o) {
            case IsoContent.InStream s -> {
                SortedMap<String, Content> out = new TreeMap<>();
                s.data().toMap().forEach((k, v) -> out.put(k, new Bytes(v)));
                yield out;
            }
            case IsoContent.HostDirectory h -> reader.read(volume, h.kind(), h.name(), h.dir());
        };
    }

    private static String checkedKey(String volume, String kind, String name, String key) {
        if (!KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": " + kind + " \""
                    + name + "\" key \"" + key + "\" cannot be a file name; keys are made of a-z, A-Z, 0-9, '-', '_' and '.'");
        }
        return key;
    }

    private static VmmException missingKey(String volume, String kind, String name, String key, Path dir) {
        return new VmmException(VmmException.Kind.VOLUME_INVALID, volume, "volume \"" + volume + "\": " + kind + " \""
                + name + "\" has no key " + key + (dir != null ? " (no file " + dir.resolve(key.split(" ")[0]) + ")" : "")
                + "; add it");
    }

    private static Content json(Map<String, String> meta) {
        try {
            return new Bytes(JSON.writeValueAsBytes(meta));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always renders as JSON", e);
        }
    }
}
