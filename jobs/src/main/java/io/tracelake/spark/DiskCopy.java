package io.tracelake.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.LogicalRDD;
import org.apache.spark.storage.StorageLevel;

/**
 * A frame computed once, by the first job that reads it, and kept as serialized rows on the executors' local disks
 * for the jobs after it (Spark's local checkpoint at {@code DISK_ONLY}). For a frame that is expensive to compute and
 * read whole several times — ingest's parse of the input — this costs one copy of Spark's binary rows per row, with
 * no columnar encoding and no statistics (which Spark's Dataset cache builds, and which cost more than the parse it
 * saved), and holds nothing on the heap.
 *
 * <p>A copy lives on the executors that computed it: an executor lost in between fails the next job (a re-run is
 * safe). {@link #close} deletes it.
 */
public final class DiskCopy implements AutoCloseable {

  private final Dataset<Row> rows;

  private DiskCopy(Dataset<Row> rows) {
    this.rows = rows;
  }

  /** The copy of {@code frame}, computed lazily by the first job that reads {@link #rows}. */
  public static DiskCopy of(Dataset<Row> frame) {
    return new DiskCopy(frame.localCheckpoint(false, StorageLevel.DISK_ONLY()));
  }

  /** The copied rows, with the frame's schema. */
  public Dataset<Row> rows() {
    return rows;
  }

  /** Deletes the copy's blocks (the frame cannot be read after this). */
  @Override
  public void close() {
    LogicalPlan plan = rows.queryExecution().logical();
    if (plan instanceof LogicalRDD logical) {
      // What RDD.unpersist does, without its warning that a locally checkpointed RDD cannot be recomputed
      // afterwards (nothing reads this one again).
      logical.rdd().sparkContext().unpersistRDD(logical.rdd().id(), false);
    }
  }
}
