package dev.qvmm.vmm.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.qvmm.vmm.VmmException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds a disk and its volume to the VM document of a stored YAML stream, or takes them out, for
 * hotplug: the VirtualMachineInstance's {@code spec}, or a VirtualMachine's
 * {@code spec.template.spec}. Other documents pass through unchanged (comments do not survive).
 */
final class SpecEdit {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private SpecEdit() {
    }

    static String withVolume(String yaml, ObjectNode disk, ObjectNode volume) {
        return edit(yaml, vmSpec -> {
            array(object(object(vmSpec, "domain"), "devices"), "disks").add(disk.deepCopy());
            array(vmSpec, "volumes").add(volume.deepCopy());
        });
    }

    static String withoutVolume(String yaml, String name) {
        return edit(yaml, vmSpec -> {
            remove(array(object(object(vmSpec, "domain"), "devices"), "disks"), name);
            remove(array(vmSpec, "volumes"), name);
        });
    }

    /** The stream with the volume named like {@code volume} replaced by it (a CD-ROM's new medium). */
    static String withVolumeReplaced(String yaml, ObjectNode volume) {
        return edit(yaml, vmSpec -> {
            ArrayNode volumes = array(vmSpec, "volumes");
            for (int i = 0; i < volumes.size(); i++) {
                if (volume.path("name").asText().equals(volumes.get(i).path("name").asText())) {
                    volumes.set(i, volume.deepCopy());
                }
            }
        });
    }

    /** The names of a VirtualMachine's {@code spec.dataVolumeTemplates}: the DataVolumes the VM owns. */
    static List<String> templateDataVolumes(String yaml) {
        List<String> names = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && "VirtualMachine".equals(doc.path("kind").asText())) {
                    doc.path("spec").path("dataVolumeTemplates").forEach(t -> names.add(t.path("metadata").path("name").asText()));
                }
            }
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.SPEC_UNREADABLE, "spec.yaml", "the stored spec cannot be read: " + e.getMessage(),
                    List.of(), e);
        }
        return names;
    }

    /** Whether the stream's VM has a disk named {@code name}. */
    static boolean hasDisk(String yaml, String name) {
        boolean[] found = {false};
        edit(yaml, vmSpec -> vmSpec.path("domain").path("devices").path("disks")
                .forEach(d -> found[0] |= name.equals(d.path("name").asText())));
        return found[0];
    }

    private static String edit(String yaml, java.util.function.Consumer<ObjectNode> change) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new VmmException(VmmException.Kind.SPEC_UNREADABLE, "spec.yaml", "the stored spec cannot be read: " + e.getMessage(),
                    List.of(), e);
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            if (doc instanceof ObjectNode o && (kind.equals("VirtualMachineInstance") || kind.equals("VirtualMachine"))) {
                ObjectNode spec = object(o, "spec");
                change.accept(kind.equals("VirtualMachine") && spec.has("template") ? object(object(spec, "template"), "spec") : spec);
            }
            try {
                out.append(YAML.writeValueAsString(doc));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.toString();
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        return parent.get(field) instanceof ObjectNode o ? o : parent.putObject(field);
    }

    private static ArrayNode array(ObjectNode parent, String field) {
        return parent.get(field) instanceof ArrayNode a ? a : parent.putArray(field);
    }

    private static void remove(ArrayNode list, String name) {
        for (int i = list.size() - 1; i >= 0; i--) {
            if (name.equals(list.get(i).path("name").asText())) {
                list.remove(i);
            }
        }
    }
}
