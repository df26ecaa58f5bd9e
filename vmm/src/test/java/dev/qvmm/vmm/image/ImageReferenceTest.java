package dev.qvmm.vmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qvmm.vmm.VmmException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void repositoryDropsTagAndDigest() {
        assertEquals("127.0.0.1:5000/disks/probe", ImageReference.parse("127.0.0.1:5000/disks/probe:v1").repository());
        ImageReference pinned = ImageReference.parse("quay.io/kubevirt/cirros:v1@" + DIGEST);
        assertEquals("quay.io/kubevirt/cirros", pinned.repository());
        assertEquals(Optional.of(DIGEST), pinned.digest());
        assertEquals("quay.io/kubevirt/cirros@" + DIGEST, pinned.pinned(DIGEST));
        assertEquals("kubevirt/cirros", ImageReference.parse("kubevirt/cirros").repository());
        assertEquals(Optional.empty(), ImageReference.parse("kubevirt/cirros").registryHost());
    }

    @Test
    void onlyLoopbackRegistriesSkipTlsVerification() {
        assertTrue(ImageReference.parse("127.0.0.1:5000/a:b").loopback());
        assertTrue(ImageReference.parse("127.3.2.1/a").loopback());
        assertTrue(ImageReference.parse("localhost:5000/a").loopback());
        assertTrue(ImageReference.parse("[::1]:5000/a").loopback());
        assertFalse(ImageReference.parse("quay.io/a").loopback());
        assertFalse(ImageReference.parse("localhost/a").registryHost().isEmpty());
        assertFalse(ImageReference.parse("localhostx.example/a").loopback());
        assertFalse(ImageReference.parse("127.0.0.1.nip.io/a").loopback());
        assertFalse(ImageReference.parse("library/busybox").loopback());
    }

    @Test
    void malformedReferencesAreRejectedBeforeAnythingIsContacted() {
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("quay.io/a@sha256:short"));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("quay.io/a@md5:" + "ab".repeat(16)));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("quay.io//a"));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("has space/a"));
    }

    @Test
    void skopeoFailuresAreClassifiedFromItsOwnWords() {
        // Texts as skopeo 1.9 (containers/image) prints them; the real ones are exercised in ContainerDiskStoreTest.
        assertEquals(VmmException.Kind.REGISTRY_UNREACHABLE, Skopeo.classify("pinging container registry 127.0.0.1:5998: Get "
                + "\"http://127.0.0.1:5998/v2/\": dial tcp 127.0.0.1:5998: connect: connection refused"));
        assertEquals(VmmException.Kind.IMAGE_NOT_FOUND, Skopeo.classify("reading manifest nope in 127.0.0.1:5999/probe: "
                + "manifest unknown: manifest unknown"));
        assertEquals(VmmException.Kind.IMAGE_DIGEST_MISMATCH, Skopeo.classify("writing blob: happened during read: Digest did "
                + "not match, expected sha256:11, got sha256:a2"));
        assertEquals(VmmException.Kind.IMAGE_DIGEST_MISMATCH, Skopeo.classify("Manifest does not match provided manifest digest sha256:d3"));
        assertEquals(VmmException.Kind.VOLUME_UNAVAILABLE, Skopeo.classify("something else entirely"));
        assertEquals("reading manifest \"v2\": manifest unknown", Skopeo.fatalMessage(
                "time=\"2026-11-22T17:40:58Z\" level=fatal msg=\"reading manifest \\\"v2\\\": manifest unknown\""));
        assertEquals("plain text", Skopeo.fatalMessage("plain text"));
    }
}
