package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the format layer knows of an image. */
public record ImageInfo(String filename, String format, @JsonProperty("virtual-size") long virtualSize, @JsonProperty("actual-size") Long actualSize, @JsonProperty("dirty-flag") Boolean dirtyFlag, @JsonProperty("backing-filename") String backingFilename) {
}
