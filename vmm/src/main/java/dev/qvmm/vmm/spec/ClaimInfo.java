package dev.qvmm.vmm.spec;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the input stream says about a claim: its volume mode, requested size, whether it is
 * thick-provisioned (an annotation whose key ends in {@code /storage.preallocation} or {@code /storage.thick-provisioned}
 * "true", or a DataVolume with {@code preallocation: true}) and, for Block claims, the device path a
 * bound PersistentVolume gives ({@code local.path} or {@code hostPath.path}). A claim absent from
 * the stream is {@link #unknown(String)}: Filesystem, size unknown, thin.
 */
public record ClaimInfo(String claimName, VolumeMode mode, OptionalLong requestedBytes, boolean thick,
                        Optional<String> devicePath) {

    /** A claim's {@code volumeMode}. */
    public enum VolumeMode { FILESYSTEM, BLOCK }

    public ClaimInfo {
        Objects.requireNonNull(claimName, "claimName");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(requestedBytes, "requestedBytes");
        Objects.requireNonNull(devicePath, "devicePath");
    }

    public static ClaimInfo unknown(String claimName) {
        return new ClaimInfo(claimName, VolumeMode.FILESYSTEM, OptionalLong.empty(), false, Optional.empty());
    }
}
