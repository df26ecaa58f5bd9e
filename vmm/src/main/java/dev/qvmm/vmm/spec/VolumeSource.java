package dev.qvmm.vmm.spec;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a volume's data comes from, one case per KubeVirt volume source. {@link #fileBased()} is
 * KubeVirt's rule for which sources can never be a {@code lun}.
 */
public sealed interface VolumeSource {

    /** KubeVirt's name of the source, as written in the spec. */
    String specName();

    /** True when the data always lives in a file qvmm makes or pulls, so SCSI passthrough is impossible. */
    boolean fileBased();

    /** containerDisk (and v1alpha1 registryDisk): an OCI image with a disk in /disk, or at {@code path}. */
    record ContainerDisk(String image, Optional<String> path) implements VolumeSource {
        public ContainerDisk {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(path, "path");
        }

        public String specName() { return "containerDisk"; }

        public boolean fileBased() { return true; }
    }

    /** persistentVolumeClaim. */
    record PersistentVolumeClaim(ClaimInfo claim, boolean readOnly) implements VolumeSource {
        public PersistentVolumeClaim {
            Objects.requireNonNull(claim, "claim");
        }

        public String specName() { return "persistentVolumeClaim"; }

        public boolean fileBased() { return false; }
    }

    /**
     * dataVolume: a claim filled by an import before the VM starts. CDI names a DataVolume's claim
     * after the DataVolume, so a {@code persistentVolumeClaim} volume whose {@code claimName} is a
     * DataVolume of the stream is this source too ({@code writtenAs} "persistentVolumeClaim", with
     * its {@code readOnly}); a {@code dataVolume} volume has no readOnly in KubeVirt's API.
     */
    record DataVolume(String name, ClaimInfo claim, boolean readOnly, String writtenAs) implements VolumeSource {
        public DataVolume {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(writtenAs, "writtenAs");
        }

        /** A {@code dataVolume: {name: ...}} volume. */
        public DataVolume(String name, ClaimInfo claim) {
            this(name, claim, false, "dataVolume");
        }

        public String specName() { return writtenAs; }

        public boolean fileBased() { return false; }
    }

    /** ephemeral: a per-VM qcow2 overlay over a read-only claim. */
    record Ephemeral(ClaimInfo claim) implements VolumeSource {
        public Ephemeral {
            Objects.requireNonNull(claim, "claim");
        }

        public String specName() { return "ephemeral"; }

        public boolean fileBased() { return true; }
    }

    /** emptyDisk: a sparse qcow2 of {@code capacityBytes} that lives as long as the VM. */
    record EmptyDisk(long capacityBytes) implements VolumeSource {
        public String specName() { return "emptyDisk"; }

        public boolean fileBased() { return true; }
    }

    /** hostDisk: an image at a host path; {@code capacityBytes} only with {@link HostDiskType#DISK_OR_CREATE}. */
    record HostDisk(String path, HostDiskType type, OptionalLong capacityBytes, boolean shared) implements VolumeSource {
        public HostDisk {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(capacityBytes, "capacityBytes");
        }

        public String specName() { return "hostDisk"; }

        public boolean fileBased() { return true; }
    }

    /** The two hostDisk types. */
    enum HostDiskType { DISK, DISK_OR_CREATE }

    /** cloudInitNoCloud: a "cidata" ISO. */
    record CloudInitNoCloud(CloudInitData data) implements VolumeSource {
        public String specName() { return "cloudInitNoCloud"; }

        public boolean fileBased() { return true; }
    }

    /** cloudInitConfigDrive: a "config-2" ISO. */
    record CloudInitConfigDrive(CloudInitData data) implements VolumeSource {
        public String specName() { return "cloudInitConfigDrive"; }

        public boolean fileBased() { return true; }
    }

    /** configMap: an ISO of the map's keys (or a virtiofs share). */
    record ConfigMap(String name, Optional<String> volumeLabel) implements VolumeSource {
        public String specName() { return "configMap"; }

        public boolean fileBased() { return true; }
    }

    /** secret: an ISO of the secret's keys (or a virtiofs share). */
    record Secret(String secretName, Optional<String> volumeLabel) implements VolumeSource {
        public String specName() { return "secret"; }

        public boolean fileBased() { return true; }
    }

    /** serviceAccount: an ISO with namespace, token and ca.crt (or a virtiofs share). */
    record ServiceAccount(String serviceAccountName) implements VolumeSource {
        public String specName() { return "serviceAccount"; }

        public boolean fileBased() { return true; }
    }

    /** downwardMetrics: a small raw disk qvmm rewrites with vhostmd-format metrics. */
    record DownwardMetrics() implements VolumeSource {
        public String specName() { return "downwardMetrics"; }

        public boolean fileBased() { return true; }
    }
}
