package dev.qvmm.vmm.spec;

import java.util.Objects;
import java.util.Optional;

/**
 * A DataVolume (from the stream or a VM's dataVolumeTemplates): where its data comes from and its claim.
 *
 * @param checksum {@code sha256:<64 hex digits>} the source's bytes (as served or read, before any
 *                 decompression) must match; from the annotation {@value #CHECKSUM_ANNOTATION}, since
 *                 CDI's http source has no such field. Only for http(s) and file URLs.
 */
public record DataVolumeSpec(String name, Source source, ClaimInfo claim, Optional<String> checksum) {

    /** The DataVolume annotation that carries {@link #checksum()}. */
    public static final String CHECKSUM_ANNOTATION = "qvmm.dev/checksum";

    /** The import source. */
    public sealed interface Source {
    }

    /**
     * {@code source.http}: an http, https or (qvmm's extension for a host file) file URL;
     * {@code secretRef} names a Secret whose {@code accessKeyId} and {@code secretKey} are sent as
     * HTTP basic auth, {@code certConfigMap} a ConfigMap whose keys are PEM CA certificates trusted
     * for an https URL besides the host's (CDI's semantics).
     */
    public record Http(String url, Optional<String> secretRef, Optional<String> certConfigMap) implements Source {
        public Http {
            Objects.requireNonNull(secretRef, "secretRef");
            Objects.requireNonNull(certConfigMap, "certConfigMap");
        }

        /** A URL without credentials or extra CAs. */
        public Http(String url) {
            this(url, Optional.empty(), Optional.empty());
        }
    }

    public record S3(String url) implements Source {
    }

    /** {@code source.registry.url}, e.g. {@code docker://quay.io/containerdisks/fedora:40}. */
    public record Registry(String url) implements Source {
    }

    public record Blank() implements Source {
    }

    public record Upload() implements Source {
    }

    public record Clone(String claimName) implements Source {
    }

    public DataVolumeSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(checksum, "checksum");
    }
}
