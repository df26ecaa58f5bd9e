package dev.qvmm.vmm.spec.dto;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Wire records of the Kubernetes and CDI objects that may share the stream with a VM: ConfigMap,
 * Secret, ServiceAccount, PersistentVolumeClaim, PersistentVolume, StorageClass, DataVolume.
 */
public final class K8sObjectDtos {

    private K8sObjectDtos() {
    }

    public record ConfigMap(String apiVersion, String kind, Meta metadata, Map<String, String> data,
                            Map<String, String> binaryData, Boolean immutable) {
    }

    public record Secret(String apiVersion, String kind, Meta metadata, Map<String, String> data,
                         Map<String, String> stringData, String type, Boolean immutable) {
    }

    public record ServiceAccount(String apiVersion, String kind, Meta metadata, JsonNode secrets,
                                 Boolean automountServiceAccountToken) {
    }

    public record ClaimSpec(List<String> accessModes, String volumeMode, ResourceRequests resources,
                            String storageClassName, String volumeName, JsonNode selector, JsonNode dataSource,
                            JsonNode dataSourceRef) {
    }

    public record ResourceRequests(Map<String, String> requests, Map<String, String> limits) {
    }

    public record PersistentVolumeClaim(String apiVersion, String kind, Meta metadata, ClaimSpec spec, JsonNode status) {
    }

    public record PathSource(String path, String type) {
    }

    public record ClaimRef(String name, String namespace) {
    }

    public record PvSpec(Map<String, String> capacity, List<String> accessModes, String volumeMode, PathSource hostPath,
                         PathSource local, String storageClassName, JsonNode nodeAffinity, ClaimRef claimRef,
                         String persistentVolumeReclaimPolicy) {
    }

    public record PersistentVolume(String apiVersion, String kind, Meta metadata, PvSpec spec, JsonNode status) {
    }

    public record StorageClass(String apiVersion, String kind, Meta metadata, String provisioner, String reclaimPolicy,
                               String volumeBindingMode, Map<String, String> parameters, Boolean allowVolumeExpansion) {
    }

    /** CDI's DataVolume sources; gcs, snapshot, imageio and vddk are read only to be refused by name. */
    public record DvSource(Url http, Url s3, RegistrySource registry, JsonNode blank, SourcePvc pvc, JsonNode upload,
                           JsonNode imageio, JsonNode vddk, JsonNode gcs, JsonNode snapshot) {
    }

    public record RegistrySource(String url, String secretRef, String certConfigMap, String pullMethod, String imageStream,
                                 JsonNode platform) {
    }

    public record Url(String url, String secretRef, String certConfigMap) {
    }

    public record SourcePvc(String name, String namespace) {
    }

    public record DvSpec(DvSource source, ClaimSpec pvc, ClaimSpec storage, Boolean preallocation,
                         JsonNode sourceRef, String contentType) {
    }

    public record DataVolume(String apiVersion, String kind, Meta metadata, DvSpec spec, JsonNode status) {
    }
}
