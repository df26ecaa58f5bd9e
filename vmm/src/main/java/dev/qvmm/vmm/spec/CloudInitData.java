package dev.qvmm.vmm.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The payload of a cloud-init volume, each of user and network data resolved to one source by
 * the precedence rules (plain text, then base64, then a Secret). At least one is present. The
 * Secrets are only named here; their keys are read when the ISO is built.
 */
public record CloudInitData(Optional<Source> userData, Optional<Source> networkData) {

    public CloudInitData {
        Objects.requireNonNull(userData, "userData");
        Objects.requireNonNull(networkData, "networkData");
        if (userData.isEmpty() && networkData.isEmpty()) {
            throw new IllegalArgumentException("cloud-init data needs user data or network data");
        }
    }

    /** Where one of user or network data comes from. */
    public sealed interface Source {
    }

    /** Written in the spec (userData, or userDataBase64 decoded). */
    public record Inline(String text) implements Source {
        public Inline {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * The first of {@code keys} present in Secret {@code secret}. When {@code required} is false a
     * Secret without any of the keys contributes nothing (secretRef's network data).
     */
    public record FromSecret(String secret, List<String> keys, boolean required) implements Source {
        public FromSecret {
            Objects.requireNonNull(secret, "secret");
            keys = List.copyOf(keys);
        }
    }
}
