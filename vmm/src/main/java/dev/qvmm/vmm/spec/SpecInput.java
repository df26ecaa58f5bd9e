package dev.qvmm.vmm.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.qvmm.vmm.VmmException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The bounded first step of reading a spec: bytes to YAML/JSON documents, each limit enforced while
 * reading so that a hostile input costs at most {@value #MAX_SPEC_BYTES} bytes of memory and a
 * few milliseconds. Refused, each as {@link VmmException.Kind#SPEC_UNREADABLE} with one
 * {@link SpecProblem} naming the rule and where: more than {@value #MAX_SPEC_BYTES} bytes (the read
 * stops one byte past it), more than {@value #MAX_DOCUMENTS} documents, nesting deeper than
 * {@value #MAX_NESTING_DEPTH}, any YAML alias, a key repeated in one mapping, and input that is not
 * YAML or JSON.
 *
 * <p>Aliases are refused outright rather than counted: Jackson's YAML parser does not expand them
 * but hands back the anchor's name as a string, so {@code cores: *n} would silently mean
 * {@code cores: "n"}. Refusing them also makes every alias bomb (billion laughs) harmless.
 */
final class SpecInput {

    /** Bytes of one spec file, stream or request body: room for ~100 disks and their objects; large data belongs in files. */
    static final int MAX_SPEC_BYTES = 4 << 20;
    /** Documents in one stream: a VM and its ConfigMaps, Secrets, claims, volumes and DataVolumes. */
    static final int MAX_DOCUMENTS = 64;
    /** Nesting of mappings and lists: a KubeVirt VM nests about 12 deep. */
    static final int MAX_NESTING_DEPTH = 64;

    private static final YAMLFactory FACTORY = factory();
    private static final ObjectMapper TREES = new YAMLMapper(FACTORY);

    private static final String WHERE_DATA_GOES = "large user data or ConfigMap/Secret values belong in files: a Secret "
            + "or ConfigMap directory under the state directory (one file per key), named by userDataSecretRef or the volume";

    private SpecInput() {
    }

    private static YAMLFactory factory() {
        LoaderOptions loader = new LoaderOptions();
        // Backstops only: the byte bound is met first (a code point is at least one byte), and the Guard's
        // nesting check (with the path) one level before Jackson's and SnakeYAML's.
        loader.setCodePointLimit(MAX_SPEC_BYTES + 1);
        loader.setNestingDepthLimit(MAX_NESTING_DEPTH + 8);
        loader.setMaxAliasesForCollections(0);
        return YAMLFactory.builder()
                // new YAMLFactory() has it on, the builder not: "disk:" with nothing after it is null, not "".
                .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                .loaderOptions(loader)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH + 1)
                        .maxStringLength(MAX_SPEC_BYTES)
                        .maxDocumentLength(MAX_SPEC_BYTES)
                        .build())
                .build();
    }

    /** Reads at most {@value #MAX_SPEC_BYTES} bytes (plus one, to know there are more) and parses them. */
    static List<JsonNode> documents(InputStream in, String source) throws IOException {
        byte[] bytes = in.readNBytes(MAX_SPEC_BYTES + 1);
        if (bytes.length > MAX_SPEC_BYTES) {
            throw tooLarge(source);
        }
        return parse(FACTORY.createParser(new ByteArrayInputStream(bytes)), source);
    }

    static List<JsonNode> documents(String text, String source) {
        if (text.length() > MAX_SPEC_BYTES || utf8Length(text) > MAX_SPEC_BYTES) {
            throw tooLarge(source);
        }
        try {
            return parse(FACTORY.createParser(new java.io.StringReader(text)), source);
        } catch (IOException e) {
            throw classify(e, source);
        }
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    private static List<JsonNode> parse(JsonParser yaml, String source) {
        List<JsonNode> docs = new ArrayList<>();
        int count = 0;
        try (Guard parser = new Guard((YAMLParser) yaml);
             MappingIterator<JsonNode> it = TREES.readerFor(JsonNode.class).readValues(parser)) {
            while (it.hasNextValue()) {
                if (++count > MAX_DOCUMENTS) {
                    throw refusal(source, "document " + count, SpecProblem.Rule.INPUT_LIMIT, source + " has more than "
                            + MAX_DOCUMENTS + " documents (document " + count + " is one too many), the most qvmm reads in one spec; "
                            + "put one VM and the objects it uses in a file, and other objects in the state directory", null);
                }
                JsonNode n = it.nextValue();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    docs.add(n);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw classify(e, source);
        }
        return docs;
    }

    /** Each failure by its type: ours, a Jackson read constraint, or not YAML/JSON at all. */
    private static VmmException classify(Exception e, String source) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof VmmException v) {
                return v;
            }
            if (t instanceof Refused r) {
                return refusal(source, r.path, r.rule, source + ": " + (r.path.isEmpty() ? "" : r.path + ": ") + r.getMessage(), e);
            }
            if (t instanceof StreamConstraintsException c) {
                String path = c.getProcessor() instanceof JsonParser p ? SpecReader.path(p.getParsingContext()) : "";
                return refusal(source, path.isEmpty() ? "(document)" : path, SpecProblem.Rule.INPUT_LIMIT, source + ": "
                        + (path.isEmpty() ? "" : path + ": ") + c.getOriginalMessage() + " (qvmm's limits: "
                        + MAX_NESTING_DEPTH + " levels of nesting, " + MAX_SPEC_BYTES + " bytes in all); " + WHERE_DATA_GOES, e);
            }
        }
        // Jackson's own text carries the line and column; the golden for a broken file pins it.
        return new VmmException(VmmException.Kind.SPEC_UNREADABLE, source, source + " is not valid YAML or JSON: " + e.getMessage(),
                List.of(), e);
    }

    private static VmmException tooLarge(String source) {
        return refusal(source, "(document)", SpecProblem.Rule.INPUT_LIMIT, source + " is over the " + MAX_SPEC_BYTES
                + " bytes (4 MiB) qvmm reads in one spec; " + WHERE_DATA_GOES, null);
    }

    private static VmmException refusal(String source, String path, SpecProblem.Rule rule, String message, Throwable cause) {
        return new VmmException(VmmException.Kind.SPEC_UNREADABLE, source, message,
                List.of(new SpecProblem(path, rule, message)), cause);
    }

    /** Thrown from inside the parser, so Jackson unwinds it; carries the rule and the path where it was met. */
    private static final class Refused extends IOException {
        final SpecProblem.Rule rule;
        final String path;

        Refused(SpecProblem.Rule rule, String path, String message) {
            super(message);
            this.rule = rule;
            this.path = path;
        }
    }

    /**
     * Refuses aliases and repeated keys as the tokens go by. Every {@code next*} method goes through
     * {@link #nextToken}: the tree deserializer calls {@code nextFieldName}, which a plain delegate
     * would pass straight to the YAML parser.
     */
    private static final class Guard extends JsonParserDelegate {
        private final YAMLParser yaml;
        private final Deque<Set<String>> keys = new ArrayDeque<>();
        private int depth;

        Guard(YAMLParser yaml) {
            super(yaml);
            this.yaml = yaml;
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = super.nextToken();
            if (t == null) {
                return null;
            }
            if (yaml.isCurrentAlias()) {
                throw new Refused(SpecProblem.Rule.YAML_ALIAS, SpecReader.path(getParsingContext()), "YAML alias *"
                        + yaml.getCurrentAnchor() + " is not read by qvmm (nor expanded safely); write the value out in full");
            }
            if (t.isStructStart() && ++depth > MAX_NESTING_DEPTH) {
                throw new Refused(SpecProblem.Rule.INPUT_LIMIT, SpecReader.path(getParsingContext()), "nests deeper than "
                        + MAX_NESTING_DEPTH + " levels of mappings and lists, the most qvmm reads; no KubeVirt object needs more");
            }
            if (t.isStructEnd()) {
                depth--;
            }
            switch (t) {
                case START_OBJECT -> keys.push(new HashSet<>());
                case END_OBJECT -> keys.pop();
                case FIELD_NAME -> {
                    if (!keys.isEmpty() && !keys.peek().add(currentName())) {
                        throw new Refused(SpecProblem.Rule.DUPLICATE_KEY, SpecReader.path(getParsingContext()), "key \""
                                + currentName() + "\" appears twice in the same mapping; keep one");
                    }
                }
                default -> {
                }
            }
            return t;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.FIELD_NAME ? nextToken() : t;
        }

        @Override
        public String nextFieldName() throws IOException {
            return nextToken() == JsonToken.FIELD_NAME ? currentName() : null;
        }

        @Override
        public boolean nextFieldName(SerializableString str) throws IOException {
            return nextToken() == JsonToken.FIELD_NAME && str.getValue().equals(currentName());
        }

        @Override
        public String nextTextValue() throws IOException {
            return nextToken() == JsonToken.VALUE_STRING ? getText() : null;
        }

        @Override
        public int nextIntValue(int defaultValue) throws IOException {
            return nextToken() == JsonToken.VALUE_NUMBER_INT ? getIntValue() : defaultValue;
        }

        @Override
        public long nextLongValue(long defaultValue) throws IOException {
            return nextToken() == JsonToken.VALUE_NUMBER_INT ? getLongValue() : defaultValue;
        }

        @Override
        public Boolean nextBooleanValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
        }

        @Override
        public JsonParser skipChildren() throws IOException {
            if (currentToken() != JsonToken.START_OBJECT && currentToken() != JsonToken.START_ARRAY) {
                return this;
            }
            int open = 1;
            while (open > 0) {
                JsonToken t = nextToken();
                if (t == null) {
                    return this;
                }
                if (t.isStructStart()) {
                    open++;
                } else if (t.isStructEnd()) {
                    open--;
                }
            }
            return this;
        }
    }
}
