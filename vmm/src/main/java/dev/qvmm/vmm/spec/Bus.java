package dev.qvmm.vmm.spec;

/** A disk's bus as KubeVirt names it; {@link #FDC} is implied by a v1alpha1 floppy. */
public enum Bus {
    VIRTIO("virtio"), SATA("sata"), SCSI("scsi"), USB("usb"), FDC("fdc");

    private final String specName;

    Bus(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }
}
