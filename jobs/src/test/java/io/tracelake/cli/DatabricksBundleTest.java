package io.tracelake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * The Databricks Asset Bundle ({@code databricks.yml}) against what it names, since no workspace is reachable from
 * CI: every variable and job parameter it uses is declared, the JAR task's class is Tracelake's entry point, its
 * parameters are a {@code run} the command line accepts, the library is the jar the {@code databricks} Maven
 * profile builds, and the job cluster is in dedicated access mode (ingest uses Spark's RDD API). Keys follow
 * Databricks' bundle reference (https://docs.databricks.com/dev-tools/bundles/reference.html) and the Jobs API's
 * {@code spark_jar_task} (https://docs.databricks.com/api/workspace/jobs/create).
 */
class DatabricksBundleTest {

  private static final Path ROOT = Path.of(System.getProperty("tracelake.repo.root", ".."));
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{var\\.([a-z_]+)}");
  private static final Pattern JOB_PARAMETER = Pattern.compile("\\{\\{job\\.parameters\\.([a-z_]+)}}");

  @Test
  void theBundleDescribesAScheduledRunOfTheDatabricksJar() throws Exception {
    String text = Files.readString(ROOT.resolve("databricks.yml"));
    JsonNode bundle = new ObjectMapper(new YAMLFactory()).readTree(text);
    assertEquals("tracelake", bundle.at("/bundle/name").asText());

    Set<String> declared = new LinkedHashSet<>();
    bundle.get("variables").fieldNames().forEachRemaining(declared::add);
    Matcher used = VARIABLE.matcher(text);
    while (used.find()) {
      assertTrue(declared.contains(used.group(1)), "variable " + used.group(1) + " is declared");
    }

    JsonNode job = bundle.at("/resources/jobs/tracelake_run");
    assertTrue(job.at("/schedule/quartz_cron_expression").isTextual(), "the job has a schedule");
    assertEquals("SINGLE_USER", job.at("/job_clusters/0/new_cluster/data_security_mode").asText());
    JsonNode task = job.at("/tasks/0");
    assertEquals(job.at("/job_clusters/0/job_cluster_key").asText(), task.at("/job_cluster_key").asText());

    Method main = Class.forName(task.at("/spark_jar_task/main_class_name").asText())
        .getMethod("main", String[].class);
    assertTrue(Modifier.isStatic(main.getModifiers()));

    Set<String> jobParameters = new LinkedHashSet<>();
    job.get("parameters").forEach(p -> jobParameters.add(p.get("name").asText()));
    Map<String, String> example = Map.of("input", "/Volumes/main/tracelake/exports", "warehouse",
        "s3://bucket/tracelake", "catalog", "main", "schema", "tracelake");
    List<String> args = new ArrayList<>();
    for (JsonNode p : task.at("/spark_jar_task/parameters")) {
      Matcher m = JOB_PARAMETER.matcher(p.asText());
      if (m.matches()) {
        assertTrue(jobParameters.contains(m.group(1)), "job parameter " + m.group(1) + " is declared");
        args.add(example.get(m.group(1)));
      } else {
        args.add(p.asText());
      }
    }
    CommandLine.ParseResult parsed = TracelakeCli.commandLine().parseArgs(args.toArray(String[]::new));
    RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
    assertEquals(List.of("/Volumes/main/tracelake/exports"), run.input.paths);
    assertEquals("s3://bucket/tracelake", run.warehouse);
    assertEquals("main", run.catalog.catalog);
    assertEquals("tracelake", run.catalog.schema);

    String jar = "./jobs/target/tracelake-" + databricksProfileJarName() + ".jar";
    assertEquals(jar, bundle.at("/artifacts/tracelake/files/0/source").asText());
    assertEquals(jar, task.at("/libraries/0/jar").asText());
    assertTrue(bundle.at("/artifacts/tracelake/build").asText().contains("-Pdatabricks"));
  }

  /** The {@code shaded.name} of jobs/pom.xml's databricks profile, which names the jar it builds. */
  private static String databricksProfileJarName() throws Exception {
    NodeList profiles = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(ROOT.resolve("jobs/pom.xml").toFile()).getElementsByTagName("profile");
    for (int i = 0; i < profiles.getLength(); i++) {
      Element profile = (Element) profiles.item(i);
      if ("databricks".equals(profile.getElementsByTagName("id").item(0).getTextContent())) {
        return profile.getElementsByTagName("shaded.name").item(0).getTextContent();
      }
    }
    throw new AssertionError("jobs/pom.xml has no databricks profile");
  }
}
