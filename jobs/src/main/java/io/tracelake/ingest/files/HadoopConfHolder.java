package io.tracelake.ingest.files;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** Ships the driver's Hadoop configuration (file system settings, credentials) to parse tasks. */
public final class HadoopConfHolder implements Serializable {

  private final Map<String, String> entries = new HashMap<>();
  private transient Configuration conf;

  public HadoopConfHolder(Configuration source) {
    for (Map.Entry<String, String> e : source) {
      entries.put(e.getKey(), e.getValue());
    }
  }

  public Configuration get() {
    if (conf == null) {
      Configuration c = new Configuration(false);
      entries.forEach(c::set);
      conf = c;
    }
    return conf;
  }
}
