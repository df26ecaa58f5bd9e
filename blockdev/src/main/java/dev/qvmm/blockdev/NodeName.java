package dev.qvmm.blockdev;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * A QEMU block node name or device id: starts with a letter, then letters, digits, {@code -},
 * {@code .} and {@code _}, at most {@value #MAX_LENGTH} characters (QEMU's limit). The only place
 * that limit is enforced.
 *
 * <p>{@link #derive(String, String)} is deterministic: role prefix + name, and when the name does not
 * fit or contains characters QEMU refuses, a sanitised prefix of it plus an 8-hex-digit SHA-256
 * suffix of the original, so distinct names stay distinct and the same spec always gets the same
 * names.
 */
public record NodeName(String value) implements Comparable<NodeName> {

    public static final int MAX_LENGTH = 31;
    private static final Pattern VALID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");
    private static final Pattern INVALID_CHARS = Pattern.compile("[^A-Za-z0-9_.-]");

    public NodeName {
        if (value == null || value.isEmpty()) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_NAME, String.valueOf(value),
                    "node name is empty; QEMU needs 1 to " + MAX_LENGTH + " characters");
        }
        if (value.length() > MAX_LENGTH) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_NAME, value,
                    "node name \"" + value + "\" has " + value.length() + " characters; QEMU allows at most " + MAX_LENGTH);
        }
        if (!VALID.matcher(value).matches()) {
            throw new BlockdevException(BlockdevException.Kind.INVALID_NAME, value,
                    "node name \"" + value + "\" must start with a letter and contain only [A-Za-z0-9_.-]");
        }
    }

    /** {@code prefix + "-" + name}, shortened with a stable hash when it would not be a valid node name. */
    public static NodeName derive(String prefix, String name) {
        String plain = prefix + "-" + name;
        if (plain.length() <= MAX_LENGTH && VALID.matcher(plain).matches()) {
            return new NodeName(plain);
        }
        String hash = sha256Hex(name).substring(0, 8);
        String clean = INVALID_CHARS.matcher(name).replaceAll("_");
        int room = MAX_LENGTH - prefix.length() - 2 - hash.length();
        if (clean.length() > room) {
            clean = clean.substring(0, room);
        }
        return new NodeName(prefix + "-" + clean + "-" + hash);
    }

    private static String sha256Hex(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(digest.length * 2);
            for (byte b : digest) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    @Override
    public int compareTo(NodeName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
