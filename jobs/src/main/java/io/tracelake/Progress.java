package io.tracelake;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Progress lines for people watching a job: what stage it is in and how many records went where. */
public final class Progress {

  private static final Logger LOG = LoggerFactory.getLogger("io.tracelake");

  private final String job;
  private final long startNanos = System.nanoTime();

  public Progress(String job) {
    this.job = job;
  }

  public void stage(String format, Object... args) {
    LOG.info("[{}] {} ({})", job, String.format(format, args), elapsed());
  }

  public String elapsed() {
    return String.format("%.1f s", seconds());
  }

  public double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
