package dev.qvmm.vmm.spec.dto;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** Wire records of a VMI's {@code spec.domain}. */
public final class DomainDtos {

    private DomainDtos() {
    }

    public record Domain(Resources resources, Cpu cpu, Memory memory, Machine machine, String ioThreadsPolicy,
                         Devices devices, Firmware firmware, JsonNode features, JsonNode clock) {
    }

    /** Quantities are kept as Kubernetes writes them ({@code 64M}, {@code 2Gi}, {@code 4}). */
    public record Resources(Map<String, String> requests, Map<String, String> limits, Boolean overcommitGuestOverhead) {
    }

    public record Cpu(Integer cores, Integer sockets, Integer threads, String model, Boolean dedicatedCpuPlacement,
                      Boolean isolateEmulatorThread) {
    }

    public record Memory(String guest, JsonNode hugepages) {
    }

    public record Machine(String type) {
    }

    public record Firmware(KernelBoot kernelBoot, String uuid, String serial, Bootloader bootloader) {
    }

    /** {@code firmware.bootloader}: at most one of bios and efi. */
    public record Bootloader(Bios bios, Efi efi) {
    }

    public record Bios(Boolean useSerial) {
    }

    public record Efi(Boolean secureBoot, Boolean persistent) {
    }

    public record KernelBoot(String kernelArgs, KernelBootContainer container) {
    }

    public record KernelBootContainer(String image, String kernelPath, String initrdPath, String imagePullPolicy,
                                      JsonNode imagePullSecret) {
    }

    public record Devices(List<DiskDtos.Disk> disks, List<DiskDtos.Filesystem> filesystems, Boolean blockMultiQueue,
                          List<NetworkDtos.Interface> interfaces, JsonNode rng, JsonNode downwardMetrics, Boolean autoattachGraphicsDevice,
                          Boolean autoattachSerialConsole, Boolean autoattachPodInterface) {
    }
}
