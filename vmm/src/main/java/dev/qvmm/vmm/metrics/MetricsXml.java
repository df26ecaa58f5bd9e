package dev.qvmm.vmm.metrics;

import java.util.List;

/**
 * The {@code <metrics>} document vhostmd and KubeVirt write, element for element as KubeVirt
 * renders it (two-space indent, attributes type, context, unit, no newline after the root), so tools such as
 * {@code vm-dump-metrics} read it unchanged.
 */
public final class MetricsXml {

    private MetricsXml() {
    }

    public static String render(List<Metric> metrics) {
        StringBuilder sb = new StringBuilder("<metrics>\n");
        for (Metric m : metrics) {
            sb.append("  <metric type=\"").append(escape(m.type())).append("\" context=\"").append(escape(m.context())).append('"');
            m.unit().ifPresent(u -> sb.append(" unit=\"").append(escape(u)).append('"'));
            sb.append(">\n    <name>").append(escape(m.name())).append("</name>\n    <value>").append(escape(m.value()))
                    .append("</value>\n  </metric>\n");
        }
        return sb.append("</metrics>").toString(); // no final newline, as Go's xml.MarshalIndent
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
