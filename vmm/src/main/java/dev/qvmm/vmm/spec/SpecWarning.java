package dev.qvmm.vmm.spec;

/** Something in the input qvmm read but does not use (an unknown field, a scheduling hint), with its path. */
public record SpecWarning(String path, String message) {

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
