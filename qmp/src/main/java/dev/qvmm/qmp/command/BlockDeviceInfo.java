package dev.qvmm.qmp.command;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One block node as {@code query-named-block-nodes} and {@code query-block} report it. */
public record BlockDeviceInfo(String file, @JsonProperty("node-name") String nodeName, boolean ro, String drv, @JsonProperty("backing_file") String backingFile, @JsonProperty("backing_file_depth") int backingFileDepth, boolean encrypted, @JsonProperty("detect_zeroes") String detectZeroes, BlockdevCache cache, ImageInfo image, @JsonProperty("write_threshold") long writeThreshold) {
}
