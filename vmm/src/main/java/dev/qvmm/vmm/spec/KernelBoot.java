package dev.qvmm.vmm.spec;

import java.util.Optional;

/**
 * firmware.kernelBoot: kernel and initrd paths inside {@code image}; an image that is an absolute
 * host directory means that directory (bare hosts have no registry to pull from).
 */
public record KernelBoot(String image, Optional<String> kernelPath, Optional<String> initrdPath,
                         Optional<String> kernelArgs) {

    public boolean imageIsHostDirectory() {
        return image.startsWith("/");
    }
}
