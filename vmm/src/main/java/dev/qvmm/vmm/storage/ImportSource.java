package dev.qvmm.vmm.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a DataVolume's bytes come from, resolved onto the host by the planner. {@link #describe()}
 * is what the claim's import marker records and what {@code qvmm plan} prints.
 */
public sealed interface ImportSource {

    /** One line naming the source, e.g. {@code http https://host/disk.qcow2}. */
    String describe();

    /** {@code source.blank}: a sparse raw image of the claim's requested size. */
    record Blank() implements ImportSource {
        public String describe() { return "blank"; }
    }

    /**
     * {@code source.http} with an http or https URL, downloaded; {@code sha256} is the expected hex
     * digest of the body; {@code secret} the Secret whose {@code accessKeyId} / {@code secretKey}
     * are sent as basic auth, {@code caCertificates} the ConfigMap whose keys are PEM CAs trusted
     * besides the host's (both read when the import runs).
     */
    record Http(URI url, Optional<String> sha256, Optional<IsoContent.KeyObject> secret,
                Optional<IsoContent.KeyObject> caCertificates) implements ImportSource {
        public Http {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(caCertificates, "caCertificates");
        }

        /** Without credentials or extra CAs. */
        public Http(URI url, Optional<String> sha256) {
            this(url, sha256, Optional.empty(), Optional.empty());
        }

        /** Never the credentials themselves: this line goes into the claim's marker and {@code qvmm plan}. */
        public String describe() {
            return "http " + url + secret.map(s -> " (basic auth from Secret " + s.name() + ")").orElse("")
                    + caCertificates.map(c -> " (CAs from ConfigMap " + c.name() + ")").orElse("");
        }
    }

    /** {@code source.http} with a {@code file:///} URL: a host file read in place; {@code sha256} as for {@link Http}. */
    record LocalFile(Path path, Optional<String> sha256) implements ImportSource {
        public LocalFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sha256, "sha256");
        }

        public String describe() { return "file " + path; }
    }

    /** {@code source.pvc}: a copy of another Filesystem claim's {@code disk.img}. */
    record Clone(String claimName, Path disk) implements ImportSource {
        public String describe() { return "clone of claim " + claimName; }
    }

    /**
     * {@code source.registry}: the disk of a container-disk image, pulled through the image store;
     * {@code storeLink} is where the store links the image's disk ({@code <images>/<image key>/disk.img}).
     */
    record Registry(String image, Path storeLink) implements ImportSource {
        public String describe() { return "registry " + image; }
    }

    /** {@code source.s3}: needs S3 credentials and a client qvmm does not have; refused when preparing. */
    record S3(String url) implements ImportSource {
        public String describe() { return "s3 " + url; }
    }

    /** {@code source.upload}: needs CDI's upload proxy; refused when preparing. */
    record Upload() implements ImportSource {
        public String describe() { return "upload"; }
    }
}
