package io.tracelake.ingest.mlflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.tracelake.config.TracelakeConfig;
import java.io.Serializable;

/**
 * The limits that keep one record from exhausting a parse task's memory, from config {@code ingest.*}: how much of a
 * rejected record the quarantine keeps, the longest record (a JSON line, or a string inside any record) and the
 * deepest nesting read. A record over a limit is quarantined as {@code over_limit} with a detail naming the key.
 */
public record ReadLimits(int rawMaxChars, int maxRecordMb, int maxNestingDepth) implements Serializable {

  /** The defaults of {@code defaults.yaml}. */
  public static final ReadLimits DEFAULT = new ReadLimits(8192, 64, 1000);

  public static ReadLimits of(TracelakeConfig.Ingest ingest) {
    return new ReadLimits(ingest.rawMaxChars(), ingest.maxRecordMb(), ingest.maxNestingDepth());
  }

  public long maxRecordBytes() {
    return (long) maxRecordMb << 20;
  }

  /** A JSON parser factory that enforces these limits (Jackson's own defaults are 20 M characters, 1,000 levels). */
  public JsonFactory jsonFactory() {
    return JsonFactory.builder()
        .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxRecordBytes()))
            .maxNestingDepth(maxNestingDepth)
            .build())
        .build()
        .setCodec(JsonValues.MAPPER);
  }

  /** The quarantine detail for a limit Jackson enforced: which config key, and its value. */
  public String describe(StreamConstraintsException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (message.toLowerCase(java.util.Locale.ROOT).contains("nesting depth")) {
      return "JSON nested deeper than ingest.max_nesting_depth (" + maxNestingDepth + " levels); not read";
    }
    return "a value longer than ingest.max_record_mb (" + maxRecordMb + " MB); not read ("
        + JsonValues.firstLine(message) + ")";
  }
}
