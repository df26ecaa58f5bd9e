package dev.qvmm.vmm.spec;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the input stream says about a claim: its volume mode, requested size, its capacity
 * ({@code status.capacity.storage}, else the bound PersistentVolume's {@code spec.capacity.storage}), whether it is
 * thick-provisioned (an annotation whose key ends in {@code /storage.preallocation} or {@code /storage.thick-provisioned}
 * "true", or a DataVolume with {@code preallocation: true}) and, for Block claims, the device path a
 * bound PersistentVolume gives ({@code local.path} or {@code hostPath.path}). A claim absent from
 * the stream is {@link #unknown(String)}: Filesystem, size unknown, thin.
 */
public record ClaimInfo(String claimName, VolumeMode mode, OptionalLong requestedBytes, boolean thick,
                        Optional<String> devicePath, OptionalLong capacityBytes) {

    /** A claim's {@code volumeMode}. */
    public enum VolumeMode { FILESYSTEM, BLOCK }

    public ClaimInfo {
        Objects.requireNonNull(claimName, "claimName");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(requestedBytes, "requestedBytes");
        Objects.requireNonNull(devicePath, "devicePath");
        Objects.requireNonNull(capacityBytes, "capacityBytes");
    }

    /** A claim whose capacity the stream does not state. */
    public ClaimInfo(String claimName, VolumeMode mode, OptionalLong requestedBytes, boolean thick, Optional<String> devicePath) {
        this(claimName, mode, requestedBytes, thick, devicePath, OptionalLong.empty());
    }

    /** The size a Filesystem claim's disk.img is made or grown to: min(request, capacity), as KubeVirt's host-disk does. */
    public OptionalLong imageBytes() {
        if (requestedBytes.isPresent() && capacityBytes.isPresent()) {
            return OptionalLong.of(Math.min(requestedBytes.getAsLong(), capacityBytes.getAsLong()));
        }
        return requestedBytes.isPresent() ? requestedBytes : capacityBytes;
    }

    public static ClaimInfo unknown(String claimName) {
        return new ClaimInfo(claimName, VolumeMode.FILESYSTEM, OptionalLong.empty(), false, Optional.empty());
    }
}
