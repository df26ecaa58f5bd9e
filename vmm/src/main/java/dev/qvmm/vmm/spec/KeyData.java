package dev.qvmm.vmm.spec;

import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The decoded data of a ConfigMap or Secret written in the YAML stream: key to bytes, sorted by
 * key. The arrays are copied in and out, so a {@code KeyData} never changes.
 */
public final class KeyData {

    private final Map<String, byte[]> data;

    public KeyData(Map<String, byte[]> data) {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        data.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), v.clone()));
        this.data = Collections.unmodifiableMap(copy);
    }

    /** The keys, sorted. */
    public Set<String> keys() {
        return data.keySet();
    }

    /** A copy of the bytes of {@code key}, or null when the key is absent. */
    public byte[] get(String key) {
        byte[] b = data.get(key);
        return b == null ? null : b.clone();
    }

    /** A copy of every key's bytes, sorted by key. */
    public Map<String, byte[]> toMap() {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        data.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /**
     * Standard base64 as Kubernetes and KubeVirt write it; line breaks and spaces are allowed, any
     * other character outside the alphabet is an error (the MIME decoder would silently drop it).
     */
    static byte[] decodeBase64(String text) {
        return Base64.getDecoder().decode(text.replaceAll("\\s", ""));
    }

    @Override
    public String toString() {
        return "KeyData" + data.keySet();
    }
}
