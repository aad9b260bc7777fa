package io.tracelake.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tracelake.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The choice of compiled or interpreted plans is Tracelake's only where the user made none: the test session sets
 * both of Spark's settings itself (as a user would with {@code --conf}), so a job never changes them. The other
 * branch, a small input run interpreted in a session Tracelake started, is checked by CI's run of the samples,
 * whose log must say so.
 */
class CodeGenerationTest {

  @Test
  void aSessionWhoseUserChoseCodeGenerationIsLeftAsItIs() {
    SparkSession spark = SharedSpark.session();
    String wholeStage = spark.conf().get(CodeGeneration.WHOLE_STAGE);
    String factoryMode = spark.conf().get(CodeGeneration.FACTORY_MODE);

    assertFalse(CodeGeneration.fitTo(spark, Long.MAX_VALUE, 1), "a large input leaves the user's choice");
    assertFalse(CodeGeneration.fitTo(spark, 0, 1), "so does a small one");

    assertEquals(wholeStage, spark.conf().get(CodeGeneration.WHOLE_STAGE));
    assertEquals(factoryMode, spark.conf().get(CodeGeneration.FACTORY_MODE));
  }
}
