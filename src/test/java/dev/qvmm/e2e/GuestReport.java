package dev.qvmm.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the probe guest reported: its {@code QVMM <kind> key=value ...} lines
 * (scripts/lib/guest/probe-init). {@link #toString()} is the raw report, so every assertion
 * message can show what the guest actually saw.
 */
record GuestReport(String raw, List<Line> lines) {

    record Line(String kind, Map<String, String> fields) {
        String get(String key) {
            String v = fields.get(key);
            if (v == null) {
                throw new AssertionError("report line " + kind + " " + fields + " has no " + key);
            }
            return v;
        }
    }

    static GuestReport parse(String text) {
        List<Line> lines = new ArrayList<>();
        for (String l : text.lines().toList()) {
            int at = l.indexOf("QVMM ");
            if (at < 0) {
                continue;
            }
            String[] words = l.substring(at + 5).trim().split(" +");
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 1; i < words.length; i++) {
                int eq = words[i].indexOf('=');
                if (eq > 0) {
                    fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
                }
            }
            lines.add(new Line(words[0], fields));
        }
        return new GuestReport(text, List.copyOf(lines));
    }

    boolean complete() {
        return lines.stream().anyMatch(l -> l.kind().equals("done"));
    }

    Optional<Line> disk(String name) {
        return lines.stream().filter(l -> l.kind().equals("disk") && name.equals(l.fields().get("name"))).findFirst();
    }

    Line diskWithSerial(String serial) {
        return lines.stream().filter(l -> l.kind().equals("disk") && serial.equals(l.fields().get("serial"))).findFirst()
                .orElseThrow(() -> new AssertionError("the guest saw no disk with serial " + serial + ":\n" + raw));
    }

    /** The one disk of exactly {@code bytes}: a way to find a disk whose guest name is not fixed. */
    Line diskSized(long bytes) {
        List<Line> found = lines.stream()
                .filter(l -> l.kind().equals("disk") && String.valueOf(bytes).equals(l.fields().get("size"))).toList();
        if (found.size() != 1) {
            throw new AssertionError("the guest saw " + found.size() + " disks of " + bytes + " bytes, not one:\n" + raw);
        }
        return found.getFirst();
    }

    List<Line> all(String kind) {
        return lines.stream().filter(l -> l.kind().equals(kind)).toList();
    }

    @Override
    public String toString() {
        return raw;
    }
}
