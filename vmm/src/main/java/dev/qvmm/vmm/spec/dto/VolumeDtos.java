package dev.qvmm.vmm.spec.dto;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Wire records of {@code spec.volumes[]}: one source per volume. The sources qvmm does not run
 * (sysprep, downwardAPI, memoryDump, containerPath) are read as trees, so that they are refused
 * by name rather than warned as unknown fields.
 */
public final class VolumeDtos {

    private VolumeDtos() {
    }

    public record Volume(String name, ContainerDisk containerDisk, ContainerDisk registryDisk, Ephemeral ephemeral,
                         EmptyDisk emptyDisk, HostDisk hostDisk, Claim persistentVolumeClaim, DataVolumeRef dataVolume,
                         CloudInit cloudInitNoCloud, CloudInit cloudInitConfigDrive, ConfigMapRef configMap,
                         SecretRef secret, ServiceAccountRef serviceAccount, DownwardMetrics downwardMetrics,
                         JsonNode sysprep, JsonNode downwardAPI, JsonNode memoryDump, JsonNode containerPath) {
    }

    public record ContainerDisk(String image, String path, String imagePullPolicy, String imagePullSecret) {
    }

    public record Ephemeral(Claim persistentVolumeClaim) {
    }

    public record EmptyDisk(String capacity) {
    }

    public record HostDisk(String path, String type, String capacity, Boolean shared) {
    }

    public record Claim(String claimName, Boolean readOnly, Boolean hotpluggable) {
    }

    public record DataVolumeRef(String name, Boolean hotpluggable) {
    }

    public record LocalRef(String name) {
    }

    public record CloudInit(String userData, String userDataBase64, LocalRef userDataSecretRef, LocalRef secretRef,
                            String networkData, String networkDataBase64, LocalRef networkDataSecretRef) {
    }

    public record ConfigMapRef(String name, Boolean optional, String volumeLabel) {
    }

    public record SecretRef(String secretName, Boolean optional, String volumeLabel) {
    }

    public record ServiceAccountRef(String serviceAccountName) {
    }

    public record DownwardMetrics() {
    }
}
