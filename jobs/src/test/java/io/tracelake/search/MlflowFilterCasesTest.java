package io.tracelake.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * MLflow's own filter and order-by test cases (resources {@code mlflow-cases/}, with their provenance): what MLflow's
 * SQL store accepts must parse, what it rejects must be rejected with a message matching MLflow's {@code error_match}.
 * The only differences allowed are listed in {@link #DIFFERENCES}, each with its reason. No Spark: parsing alone.
 */
class MlflowFilterCasesTest {

  /** Filters on which Tracelake knowingly differs from MLflow's SQL store, and why (also in the README). */
  private static final Map<String, String> DIFFERENCES = Map.of(
      "issue.id = 'non-existent-issue'",
      "rejected: MLflow keeps the links between traces and issues in its own tables; trace exports do not carry them");

  private record Case(String filter, boolean valid, String errorMatch, String backend) {}

  @Test
  void everyFilterMlflowsSqlStoreAcceptsParsesAndEveryOneItRejectsIsRejectedWithItsMessage() throws IOException {
    Map<String, List<Case>> byFilter = new LinkedHashMap<>();
    for (JsonNode n : read("filters.json")) {
      Case c = new Case(n.get("filter").asText(), n.get("valid").asBoolean(),
          n.get("error_match").isNull() ? null : n.get("error_match").asText(), n.get("backend").asText());
      byFilter.computeIfAbsent(c.filter(), k -> new ArrayList<>()).add(c);
    }
    List<String> failures = new ArrayList<>();
    int accepted = 0;
    int rejected = 0;
    for (Map.Entry<String, List<Case>> e : byFilter.entrySet()) {
      String filter = e.getKey();
      Case reference = reference(e.getValue());
      String message = null;
      try {
        TraceFilter.check(filter);
      } catch (FilterException ex) {
        message = ex.getMessage();
      }
      if (DIFFERENCES.containsKey(filter)) {
        continue;
      }
      if (reference.valid()) {
        accepted++;
        if (message != null) {
          failures.add("MLflow (" + reference.backend() + ") accepts, Tracelake rejects: " + filter + " -> "
              + message);
        }
      } else {
        rejected++;
        if (message == null) {
          failures.add("MLflow (" + reference.backend() + ") rejects, Tracelake accepts: " + filter);
        } else if (reference.errorMatch() != null
            && !Pattern.compile(reference.errorMatch()).matcher(message).find()) {
          failures.add("message does not match MLflow's /" + reference.errorMatch() + "/: " + filter + " -> "
              + message);
        }
      }
    }
    assertEquals(List.of(), failures, String.join("\n", failures));
    // The counts guard against a resource that silently lost its cases.
    assertTrue(accepted >= 300, "accepted cases: " + accepted);
    assertTrue(rejected >= 15, "rejected cases: " + rejected);
  }

  @Test
  void everyOrderByMlflowsSqlStoreAcceptsParses() throws IOException {
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (JsonNode n : read("order_by.json")) {
      boolean sqlStore = n.get("backend").asText().contains("SqlAlchemyStore")
          || n.get("backend").asText().contains("sqlite");
      List<String> items = new ArrayList<>();
      n.get("order_by").forEach(i -> items.add(i.asText()));
      if (!n.get("valid").asBoolean() && !sqlStore) {
        // FileStore's in-memory sort rejects `name` and `run_id`; the SQL store (the reference) sorts on them.
        continue;
      }
      cases++;
      try {
        TraceOrder.parse(items);
        if (!n.get("valid").asBoolean()) {
          failures.add("MLflow rejects, Tracelake accepts: " + items);
        }
      } catch (FilterException ex) {
        if (n.get("valid").asBoolean()) {
          failures.add("MLflow accepts, Tracelake rejects: " + items + " -> " + ex.getMessage());
        }
      }
    }
    assertEquals(List.of(), failures, String.join("\n", failures));
    assertTrue(cases >= 25, "order_by cases: " + cases);
  }

  /**
   * The verdict that counts for one filter string: the SQL store's where it has one (a case under pytest.raises there
   * wins), else the other backends', except FileStore's refusal of every assessment filter ("Assessment filtering
   * requires database support"), which is that backend's limit: the SQL store accepts the same filters.
   */
  private static Case reference(List<Case> cases) {
    List<Case> sql = cases.stream().filter(c -> c.backend().contains("SqlAlchemyStore")
        || c.backend().contains("sqlite")).toList();
    List<Case> pool = sql.isEmpty() ? cases : sql;
    Case verdict = pool.stream().filter(c -> !c.valid()).findFirst().orElse(pool.get(0));
    if (sql.isEmpty() && verdict.errorMatch() != null
        && verdict.errorMatch().contains("requires database support")) {
      return new Case(verdict.filter(), true, null, verdict.backend() + ", a limit of that backend");
    }
    return verdict;
  }

  private static JsonNode read(String name) throws IOException {
    try (InputStream in = MlflowFilterCasesTest.class.getResourceAsStream("/mlflow-cases/" + name)) {
      return new ObjectMapper().readTree(in);
    }
  }
}
