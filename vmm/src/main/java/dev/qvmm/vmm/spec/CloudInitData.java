package dev.qvmm.vmm.spec;

import java.util.Optional;

/**
 * The payload of a cloud-init volume: inline user/network data (base64 already decoded) or the
 * names of Secrets holding them. Written into an ISO when artifacts are prepared.
 */
public record CloudInitData(Optional<String> userData, Optional<String> userDataSecret, Optional<String> networkData,
                            Optional<String> networkDataSecret) {
}
