package io.tracelake.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's table of config keys against the defaults in the jar, which are the keys' one home: every key of
 * {@code defaults.yaml} has a row (a {@code <column>} in a row's key stands for any one name), every row names a key
 * that exists, and a row that states a default states the one in the jar. ({@code conf/tracelake.yaml} is checked
 * equal to the defaults by {@link ConfigLoaderTest}.)
 */
class ConfigDocsTest {

  private static final Pattern CODE = Pattern.compile("`([^`]*)`");

  @Test
  void theReadmeKeyTableNamesEveryDefaultKeyWithItsDefault() throws IOException {
    Map<String, String> defaults = new LinkedHashMap<>();
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/io/tracelake/config/defaults.yaml")) {
      flatten(new ObjectMapper(new YAMLFactory()).readTree(in), "", defaults);
    }
    List<String[]> rows = readmeRows();
    assertTrue(rows.size() >= 10, "the README's key table was not found under \"## Configuration\"");

    List<String> documented = new ArrayList<>();
    for (String[] row : rows) {
      List<String> keys = codes(row[0]);
      List<String> values = codes(row[1]);
      for (int i = 0; i < keys.size(); i++) {
        String key = keys.get(i);
        documented.add(key);
        List<String> matching = defaults.keySet().stream().filter(k -> matches(key, k)).toList();
        assertTrue(!matching.isEmpty(), "the README names config key " + key + ", which defaults.yaml does not have");
        // A stated default, one per key of the row (a row that describes them in words is left to its words).
        if (!key.contains("<") && values.size() == keys.size() && !row[1].startsWith("see ")) {
          assertEquals(defaults.get(key), values.get(i), "the README's default of " + key);
        }
      }
    }
    List<String> undocumented = defaults.keySet().stream()
        .filter(k -> documented.stream().noneMatch(d -> matches(d, k))).toList();
    assertTrue(undocumented.isEmpty(), "config keys without a row in the README's table: " + undocumented);
  }

  /** The first two cells of each row of the table under "## Configuration" whose first cell names a key. */
  private static List<String[]> readmeRows() throws IOException {
    Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
    List<String[]> rows = new ArrayList<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(readme)) {
      if (line.startsWith("## ")) {
        inSection = line.equals("## Configuration");
      } else if (inSection && line.startsWith("| `")) {
        String[] cells = line.substring(1).split(" \\| ", 3);
        rows.add(new String[] {cells[0].trim(), cells[1].trim()});
      }
    }
    return rows;
  }

  private static List<String> codes(String cell) {
    List<String> out = new ArrayList<>();
    Matcher m = CODE.matcher(cell);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Whether a documented key ({@code <name>} for any one segment) names this key. */
  private static boolean matches(String documented, String key) {
    return key.matches(Pattern.quote(documented).replaceAll("<[a-z_]+>", "\\\\E[a-z_]+\\\\Q"));
  }

  /** Leaf keys with their values as the README writes them: {@code [a, b]}, {@code ""}, {@code 64}, {@code true}. */
  private static void flatten(JsonNode node, String prefix, Map<String, String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> flatten(e.getValue(), prefix.isEmpty() ? e.getKey()
          : prefix + "." + e.getKey(), out));
    } else if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(item -> items.add(item.asText()));
      out.put(prefix, items.stream().collect(Collectors.joining(", ", "[", "]")));
    } else {
      out.put(prefix, node.isTextual() && node.asText().isEmpty() ? "\"\"" : node.asText());
    }
  }
}
