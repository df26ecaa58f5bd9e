package dev.qvmm.vmm.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.qvmm.vmm.VmmException;
import dev.qvmm.vmm.spec.dto.K8sObjectDtos;
import dev.qvmm.vmm.spec.dto.VirtualMachineDtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Reads a YAML or JSON stream (one or more documents) holding exactly one VirtualMachineInstance or
 * VirtualMachine, plus optional ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim,
 * PersistentVolume, StorageClass and DataVolume objects, into a validated {@link VmSpec}.
 *
 * <p>Every problem is collected in one pass and thrown together as a {@link VmmException} of kind
 * {@link VmmException.Kind#SPEC_INVALID}; paths are relative to their document, and for documents
 * other than the VM are prefixed with {@code Kind/name:}. Unknown fields are never dropped silently:
 * each becomes a {@link SpecWarning} with its path. Thread-safe and stateless; reads nothing but the
 * given input.
 */
public final class SpecReader {

    /** Binds trees to DTOs; a number with a fraction for a whole-number field is refused, never truncated (3.5 cores is not 3). */
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    /** A validated spec and the warnings met on the way. */
    public record Result(VmSpec spec, List<SpecWarning> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private SpecReader() {
    }

    /**
     * Reads a bundled spec that names every kind of object and most volume sources, so a later
     * {@link #read} meets warm deserializers: the first read in a JVM costs a few hundred ms of
     * reflection, the next ones a few. Start-up calls this on a spare core; it never throws.
     */
    public static void warmUp() {
        try (java.io.InputStream in = SpecReader.class.getResourceAsStream("warm-up.yaml")) {
            read(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "warm-up.yaml", new SpecContext(false));
        } catch (IOException | RuntimeException e) {
            // only a lost head start; the user's own read reports its own problems
        }
    }

    /**
     * Reads a spec file; the read stops one byte past {@value SpecInput#MAX_SPEC_BYTES}, so a huge file is
     * refused without being read.
     */
    public static Result read(Path file, SpecContext context) {
        List<JsonNode> docs;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            docs = SpecInput.documents(in, file.toString());
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.SPEC_UNREADABLE, file.toString(),
                    "cannot read " + file + ": " + e.getMessage(), List.of(), e);
        }
        return read(docs, file.toString(), context);
    }

    /** Reads a spec from a stream (standard input, a request body) with the same bounds as a file; does not close it. */
    public static Result read(java.io.InputStream in, String source, SpecContext context) {
        List<JsonNode> docs;
        try {
            docs = SpecInput.documents(in, source);
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.SPEC_UNREADABLE, source,
                    "cannot read " + source + ": " + e.getMessage(), List.of(), e);
        }
        return read(docs, source, context);
    }

    public static Result read(String text, String source, SpecContext context) {
        return read(SpecInput.documents(text, source), source, context);
    }

    private static Result read(List<JsonNode> docs, String source, SpecContext context) {
        Problems problems = new Problems();
        String namespace = docs.stream().filter(d -> List.of("VirtualMachine", "VirtualMachineInstance").contains(d.path("kind").asText())).findFirst()
                .map(d -> d.path("metadata").path("namespace").asText("")).filter(n -> !n.isEmpty()).orElse("default");
        ObjectConverter objects = new ObjectConverter(problems, namespace);
        JsonNode vmDoc = null;
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            String kind = doc.path("kind").asText("");
            String prefix = kind + "/" + dev.qvmm.vmm.PathGuard.printable(doc.path("metadata").path("name").asText("?")) + ": ";
            switch (kind) {
                case "VirtualMachineInstance", "VirtualMachine" -> {
                    if (vmDoc != null) {
                        problems.error("document " + (i + 1), SpecProblem.Rule.DOCUMENT,
                                "a second " + kind + "; give qvmm one VM per file");
                    } else {
                        vmDoc = doc;
                    }
                }
                case "ConfigMap" -> bind(doc, K8sObjectDtos.ConfigMap.class, prefix, problems).ifPresent(o -> objects.configMap(o, prefix));
                case "Secret" -> bind(doc, K8sObjectDtos.Secret.class, prefix, problems).ifPresent(o -> objects.secret(o, prefix));
                case "ServiceAccount" -> bind(doc, K8sObjectDtos.ServiceAccount.class, prefix, problems).ifPresent(o -> objects.serviceAccount(o, prefix));
                case "PersistentVolumeClaim" -> bind(doc, K8sObjectDtos.PersistentVolumeClaim.class, prefix, problems).ifPresent(o -> objects.claim(o, prefix));
                case "PersistentVolume" -> bind(doc, K8sObjectDtos.PersistentVolume.class, prefix, problems).ifPresent(o -> objects.persistentVolume(o, prefix));
                case "StorageClass" -> bind(doc, K8sObjectDtos.StorageClass.class, prefix, problems).ifPresent(o -> objects.storageClass(o, prefix));
                case "DataVolume" -> bind(doc, K8sObjectDtos.DataVolume.class, prefix, problems).ifPresent(o -> objects.dataVolume(o, prefix));
                case "" -> problems.error("document " + (i + 1), SpecProblem.Rule.DOCUMENT, "a document without kind");
                case "Pod" -> problems.error("document " + (i + 1), SpecProblem.Rule.DOCUMENT,
                        "kind Pod (a Virtlet VM) is not read yet; write the VM as a KubeVirt VirtualMachineInstance");
                default -> problems.warn("document " + (i + 1), "kind " + kind + " is not used by qvmm; ignored");
            }
        }
        if (vmDoc == null) {
            problems.error(source, SpecProblem.Rule.DOCUMENT, "no VirtualMachineInstance or VirtualMachine in the input");
            throw VmmException.invalid(source, problems.problems);
        }
        Optional<VmSpec> spec = vm(vmDoc, problems, objects, context, namespace);
        if (!problems.problems.isEmpty() || spec.isEmpty()) {
            throw VmmException.invalid(source, problems.problems);
        }
        return new Result(spec.get(), problems.warnings);
    }

    private static Optional<VmSpec> vm(JsonNode doc, Problems problems, ObjectConverter objects, SpecContext context,
                                       String namespace) {
        String apiVersion = doc.path("apiVersion").asText("");
        if (!apiVersion.startsWith("kubevirt.io/")) {
            problems.error("apiVersion", SpecProblem.Rule.DOCUMENT, "apiVersion \"" + apiVersion
                    + "\" is not kubevirt.io/v1 or kubevirt.io/v1alpha1..3");
        }
        // v1alpha1's VirtualMachine is shaped like a v1 VirtualMachineInstance (spec.domain, no template).
        boolean vmiShaped = "VirtualMachineInstance".equals(doc.path("kind").asText()) || doc.path("spec").has("domain");
        if (vmiShaped) {
            Optional<VirtualMachineDtos.Vmi> vmi = bind(doc, VirtualMachineDtos.Vmi.class, "", problems);
            objects.bind();
            return vmi.flatMap(v -> VmiConverter.convert(problems, context, apiVersion, v.metadata(), v.spec(), "spec",
                    Optional.empty(), objects));
        }
        Optional<VirtualMachineDtos.Vm> vm = bind(doc, VirtualMachineDtos.Vm.class, "", problems);
        if (vm.isEmpty()) {
            return Optional.empty();
        }
        VirtualMachineDtos.VmSpecDto s = vm.get().spec();
        if (s == null || s.template() == null) {
            problems.error("spec.template", SpecProblem.Rule.REQUIRED, "a VirtualMachine needs spec.template");
            return Optional.empty();
        }
        if (s.running() != null && s.runStrategy() != null) {
            problems.error("spec.running", SpecProblem.Rule.UNSUPPORTED_VALUE, "running and runStrategy are exclusive; use runStrategy");
        }
        Optional<RunStrategy> runStrategy = s.runStrategy() != null ? runStrategy(s.runStrategy(), problems)
                : Optional.ofNullable(s.running()).map(r -> r ? RunStrategy.ALWAYS : RunStrategy.HALTED);
        Admission.vm(problems, s, namespace);
        if (s.dataVolumeTemplates() != null) {
            for (int i = 0; i < s.dataVolumeTemplates().size(); i++) {
                objects.dataVolume(s.dataVolumeTemplates().get(i), "spec.dataVolumeTemplates[" + i + "].");
            }
        }
        objects.bind();
        return VmiConverter.convert(problems, context, apiVersion, vm.get().metadata(), s.template().spec(),
                "spec.template.spec", runStrategy, objects);
    }

    private static Optional<RunStrategy> runStrategy(String value, Problems problems) {
        Optional<RunStrategy> parsed = RunStrategy.parse(value);
        if (parsed.isEmpty()) {
            String why = value.equals("WaitAsReceiver") ? "WaitAsReceiver is for the target of a live migration, which qvmm does not do"
                    : "runStrategy \"" + value + "\" is not one of " + java.util.Arrays.stream(RunStrategy.values()).map(RunStrategy::value).toList();
            problems.error("spec.runStrategy", SpecProblem.Rule.UNSUPPORTED_VALUE, why);
        }
        return parsed;
    }

    private static <T> Optional<T> bind(JsonNode doc, Class<T> type, String prefix, Problems problems) {
        try {
            return Optional.ofNullable(YAML.readerFor(type).withHandler(new Handler(doc.path("kind").asText(""), prefix, problems))
                    .readValue(doc));
        } catch (com.fasterxml.jackson.databind.exc.InvalidFormatException e) {
            String message = e.getValue() instanceof Number n && whole(e.getTargetType())
                    ? "expected a whole number, found " + n + "; qvmm does not round it" : e.getOriginalMessage();
            problems.error(prefix + at(e), SpecProblem.Rule.INVALID_TYPE, message);
            return Optional.empty();
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            if (e.getCause() instanceof com.fasterxml.jackson.core.exc.InputCoercionException c) {
                // A whole number beyond the field's type (cores: 99999999999), wrapped with its path.
                boolean isInt = c.getTargetType() == Integer.TYPE || c.getTargetType() == Integer.class;
                problems.error(prefix + at(e), SpecProblem.Rule.OUT_OF_RANGE, "a whole number beyond "
                        + (isInt ? Integer.MAX_VALUE : Long.MAX_VALUE) + "; give a value in range");
            } else {
                problems.error(prefix + at(e), SpecProblem.Rule.INVALID_TYPE, e.getOriginalMessage());
            }
            return Optional.empty();
        } catch (IOException e) {
            problems.error(prefix + "(document)", SpecProblem.Rule.INVALID_TYPE, e.getMessage());
            return Optional.empty();
        }
    }

    private static String at(com.fasterxml.jackson.databind.JsonMappingException e) {
        String at = e.getPath().stream().map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce("", String::concat);
        return at.startsWith(".") ? at.substring(1) : at;
    }

    private static boolean whole(Class<?> c) {
        return c == Integer.class || c == Long.class || c == Short.class || c == int.class || c == long.class || c == short.class;
    }

    /**
     * {@code spec.domain.devices.disks[2].foo}, from Jackson's parsing context. A name wins over an index: when
     * Jackson buffers a record's properties (a creator waiting for later ones), the buffer's context carries the
     * field's name but calls itself an array, and the object above it has lost the name.
     */
    static String path(JsonStreamContext ctx) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.getCurrentName() != null) {
                parts.push("." + c.getCurrentName());
            } else if (c.inArray()) {
                parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        String s = String.join("", parts);
        return s.startsWith(".") ? s.substring(1) : s;
    }

    /** Turns Jackson's first-error-aborts into collected problems and warnings, with paths. */
    private static final class Handler extends DeserializationProblemHandler {
        private final String kind;
        private final String prefix;
        private final Problems problems;

        Handler(String kind, String prefix, Problems problems) {
            this.kind = kind;
            this.prefix = prefix;
            this.problems = problems;
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
                                             Object beanOrClass, String propertyName) throws IOException {
            // On a list or object value the parser has already stepped inside it; the field is the parent's.
            JsonToken t = p.currentToken();
            JsonStreamContext at = (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) && p.getParsingContext().getParent() != null
                    ? p.getParsingContext().getParent() : p.getParsingContext();
            String field = path(at);
            // A real API field is named as one (not supported, or set by the server), never called unknown.
            SpecWarning.Kind what = KubeVirtFields.kindOf(kind, field);
            problems.warn(prefix + field, what, KubeVirtFields.message(what));
            p.skipChildren();
            return true;
        }

        @Override
        public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p,
                                            String failureMsg) throws IOException {
            // On a list or object the parser has already stepped inside it; the field is the parent's.
            JsonStreamContext at = (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) && p.getParsingContext().getParent() != null
                    ? p.getParsingContext().getParent() : p.getParsingContext();
            problems.error(prefix + path(at), SpecProblem.Rule.INVALID_TYPE,
                    "expected " + describe(targetType.getRawClass()) + ", found " + token(t));
            p.skipChildren();
            return null;
        }

        @Override
        public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value,
                                             String failureMsg) {
            problems.error(prefix + path(ctxt.getParser().getParsingContext()), SpecProblem.Rule.INVALID_TYPE,
                    "expected " + describe(targetType) + ", found \"" + value + "\"");
            return null;
        }

        @Override
        public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number value,
                                             String failureMsg) {
            problems.error(prefix + path(ctxt.getParser().getParsingContext()), SpecProblem.Rule.INVALID_TYPE,
                    "expected " + describe(targetType) + ", found " + value);
            return null;
        }

        private static String describe(Class<?> c) {
            if (c == Boolean.class || c == boolean.class) return "true or false";
            if (c == Integer.class || c == Long.class || c == int.class || c == long.class) return "a whole number";
            if (c == String.class) return "a string";
            if (java.util.List.class.isAssignableFrom(c)) return "a list";
            return "an object";
        }

        private static String token(JsonToken t) {
            return switch (t) {
                case START_ARRAY -> "a list";
                case START_OBJECT -> "an object";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                default -> t.asString() == null ? t.name() : t.asString();
            };
        }
    }
}
