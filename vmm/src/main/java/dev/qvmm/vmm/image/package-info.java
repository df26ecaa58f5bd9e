/**
 * containerDisk images from OCI registries: {@link dev.qvmm.vmm.image.ContainerDiskStore} pulls an
 * image with the host's skopeo ({@link dev.qvmm.vmm.image.Skopeo}) into a content-addressed store
 * (by manifest digest, shared read-only by every VM), verifies and unpacks its OCI layout
 * ({@link dev.qvmm.vmm.image.OciLayout}), and finds the disk: the volume's {@code path}, or the
 * single file under {@code /disk}. Registries on loopback are used without TLS verification; every
 * other registry must present a trusted certificate. Failures are
 * {@link dev.qvmm.vmm.VmmException}s naming the volume: REGISTRY_UNREACHABLE, IMAGE_NOT_FOUND,
 * IMAGE_DIGEST_MISMATCH, VOLUME_UNAVAILABLE (no disk, wrong format). Pulls (and DataVolume imports)
 * stage in a {@link dev.qvmm.vmm.image.StagingDirectory}, whose leftovers after a kill the next pull
 * of the same digest removes.
 */
package dev.qvmm.vmm.image;
