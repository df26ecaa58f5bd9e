package dev.qvmm.vmm;

import dev.qvmm.vmm.spec.SpecProblem;
import java.util.List;

/**
 * Every failure of qvmm-vmm. Callers switch on {@link #kind()}; {@link #subject()} names the file,
 * field path or device concerned; for {@link Kind#SPEC_INVALID} {@link #problems()} lists every
 * problem found in one pass.
 */
public class VmmException extends RuntimeException {

    public enum Kind {
        /** The input is not YAML/JSON, or holds no VirtualMachine(Instance). */
        SPEC_UNREADABLE(true),
        /** The spec breaks one or more admission rules; see {@link #problems()}. */
        SPEC_INVALID(true),
        /** cache "none" (direct I/O) was asked for or forced on a file system without O_DIRECT. */
        DIRECT_IO_UNSUPPORTED(true),
        /** More devices than the machine layout can address (PCI slots, AHCI/USB ports, floppy units). */
        LAYOUT_EXHAUSTED(true),
        /** A volume cannot be placed on the host with the facts given (e.g. a Block claim without a device). */
        HOST_RESOURCE_UNRESOLVED(true),
        /** The VM's run directory cannot be used (exists for a running VM, path too long for a socket, I/O). */
        RUN_DIRECTORY(false),
        /** QEMU did not start, or exited before its monitor answered; the message carries its stderr. */
        QEMU_START_FAILED(false),
        /** QEMU's monitor refused a lifecycle command (cont, powerdown, quit). */
        QEMU_COMMAND_FAILED(false),
        /**
         * An image, file or host resource a volume needs cannot be had on this host: unreadable, an I/O error, a tool that
         * failed. What the spec itself got wrong is {@link #VOLUME_INVALID}.
         */
        VOLUME_UNAVAILABLE(false),
        /**
         * What the spec names for a volume cannot be used as it is: a ConfigMap or Secret, or one of its keys, that is not
         * there or not a file name; an image of a rejected format, with a backing file, or larger than its claim.
         */
        VOLUME_INVALID(true),
        /** A volume source this qvmm cannot prepare on a bare host (the message says what instead). */
        SOURCE_UNSUPPORTED(true),
        /** A containerDisk's registry could not be reached (nothing listening, no route, TLS refused); worth a retry. */
        REGISTRY_UNREACHABLE(false),
        /** The registry answered but has no such image, tag or digest. */
        IMAGE_NOT_FOUND(true),
        /** A manifest or blob does not match its digest (the pinned one, or the one that names it). */
        IMAGE_DIGEST_MISMATCH(false),
        /** A generated ISO could not be built: neither xorriso nor genisoimage found, or the tool failed or timed out. */
        ISO_BUILD_FAILED(false),
        /** The host configuration file is unreadable, or has an unknown key or a bad value (the message names each). */
        HOST_CONFIG_INVALID(true),
        /** A path the spec names (hostDisk, kernelBoot or containerDisk directory) lies outside the host's allowed roots. */
        PATH_NOT_ALLOWED(true),
        /**
         * A path qvmm derives from a name or key (run directory, claim, ConfigMap key, kernelBoot path...) would leave
         * the root it belongs under, or be that root itself. Names are validated first; this is the guard behind them.
         */
        PATH_ESCAPES_ROOT(true),
        /**
         * The file system holding a claim image (or a DataVolume import) has too little free space for it, even with the
         * tolerance; or a Block claim's device is smaller than the claim's request.
         */
        INSUFFICIENT_SPACE(false),
        /** A DataVolume's http(s) source could not be read to the end (refused, timed out, closed mid-body); worth a retry. */
        IMPORT_UNREACHABLE(false),
        /** A DataVolume's source is not there: HTTP 404 (or another error status), a missing file or source claim. */
        IMPORT_SOURCE_NOT_FOUND(true),
        /** A DataVolume's downloaded or local source does not match the checksum the DataVolume asks for. */
        IMPORT_CHECKSUM_MISMATCH(false),
        /** The daemon has no VM of that name. */
        VM_NOT_FOUND(false),
        /** The daemon already has a VM of that name. */
        VM_EXISTS(false),
        /** The operation does not fit the VM's state (start a running VM, pause a stopped one). */
        VM_STATE_CONFLICT(false),
        /** The daemon cannot be reached on its socket, or answered outside its API. */
        DAEMON_UNREACHABLE(false);

        private final boolean userInput;

        Kind(boolean userInput) {
            this.userInput = userInput;
        }

        /**
         * Whether the fault is in what the user gave (the spec, the host config, the files and images they name) rather
         * than in the host or a peer: the CLI exits 2 for these ("every refusal exits 2"), 1 for the rest.
         */
        public boolean userInput() {
            return userInput;
        }
    }

    private final Kind kind;
    private final String subject;
    private final List<SpecProblem> problems;

    public VmmException(Kind kind, String subject, String message) {
        this(kind, subject, message, List.of(), null);
    }

    public VmmException(Kind kind, String subject, String message, List<SpecProblem> problems, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.subject = subject;
        this.problems = List.copyOf(problems);
    }

    /** The spec problems behind a {@link Kind#SPEC_INVALID}, in the order found. */
    public static VmmException invalid(String source, List<SpecProblem> problems) {
        StringBuilder sb = new StringBuilder(source).append(": ").append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        for (SpecProblem p : problems) {
            sb.append("\n  ").append(p);
        }
        return new VmmException(Kind.SPEC_INVALID, source, sb.toString(), problems, null);
    }

    public Kind kind() {
        return kind;
    }

    public String subject() {
        return subject;
    }

    public List<SpecProblem> problems() {
        return problems;
    }
}
