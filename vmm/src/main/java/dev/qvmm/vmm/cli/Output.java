package dev.qvmm.vmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.qvmm.qmp.wire.QmpJson;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * How the listing commands print the daemon's answers ({@code -o json|yaml|wide}, as kubectl):
 * {@code json} and {@code yaml} are the API's own JSON, unchanged, so a script sees exactly what an
 * API client does; the table shows the usual columns and {@code wide} adds the rest.
 */
final class Output {

    enum Format { TABLE, WIDE, JSON, YAML }

    /** A table column: its header, the cell of one row, and whether only {@code wide} shows it. */
    record Column(String header, Function<JsonNode, String> cell, boolean wideOnly) {
        static Column of(String header, String field) {
            return new Column(header, row -> text(row.path(field)), false);
        }

        static Column wide(String header, String field) {
            return new Column(header, row -> text(row.path(field)), true);
        }
    }

    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private Output() {
    }

    /** The {@code -o} value as a format; {@code null} (not given) is {@code fallback}. */
    static Format format(String value, Format fallback, CommandLine cl) {
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "json" -> Format.JSON;
            case "yaml" -> Format.YAML;
            case "wide" -> Format.WIDE;
            case "table" -> Format.TABLE;
            default -> throw new CommandLine.ParameterException(cl, "-o \"" + value + "\" is not one of json, yaml, wide, table");
        };
    }

    /** Prints {@code data} (one object, or an array of rows) in {@code format}. */
    static void print(PrintWriter out, JsonNode data, Format format, List<Column> columns) {
        switch (format) {
            case JSON -> out.println(json(data));
            case YAML -> out.print(yaml(data));
            case TABLE, WIDE -> table(out, data.isArray() ? data : QmpJson.mapper().createArrayNode().add(data),
                    columns.stream().filter(c -> format == Format.WIDE || !c.wideOnly()).toList());
        }
        out.flush();
    }

    private static void table(PrintWriter out, JsonNode rows, List<Column> columns) {
        List<String[]> lines = new ArrayList<>();
        lines.add(columns.stream().map(Column::header).toArray(String[]::new));
        for (JsonNode row : rows) {
            lines.add(columns.stream().map(c -> c.cell().apply(row)).toArray(String[]::new));
        }
        int[] widths = new int[columns.size()];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                widths[i] = Math.max(widths[i], l[i].length());
            }
        }
        for (String[] l : lines) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < l.length; i++) {
                sb.append(i == l.length - 1 ? l[i] : String.format("%-" + (widths[i] + 3) + "s", l[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** A cell: the value's text, {@code -} when absent or empty. */
    static String text(JsonNode v) {
        String s = v.isMissingNode() || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
        return s.isEmpty() ? "-" : s;
    }

    static String json(JsonNode data) {
        try {
            return QmpJson.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    static String yaml(JsonNode data) {
        try {
            return YAML.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises as YAML", e);
        }
    }
}
