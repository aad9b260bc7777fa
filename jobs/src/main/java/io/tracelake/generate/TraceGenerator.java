package io.tracelake.generate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a realistic MLflow 3 export ({@code Trace.to_json()}, the 3.5.1+ span shape, one trace per line): users
 * with Zipf-like activity, multi-turn sessions with think-time gaps (some crossing midnight), app versions rolled out
 * over the period, environments and deployment ids, error and in-progress traces, {@code query_category} tags,
 * token usage, a root span with child spans whose attributes are JSON-encoded, and some assessments. The newest app
 * version's finished traces carry the cost MLflow 3.10+ records (metadata {@code mlflow.trace.cost}, the model span's
 * {@code mlflow.llm.cost}) at {@link #INPUT_USD_PER_MILLION} / {@link #OUTPUT_USD_PER_MILLION}; the older ones only
 * tokens and the model, as older MLflow versions record them.
 *
 * <p>Deterministic: the same {@link Spec} writes the same bytes. The session plan is drawn from the seed on one
 * thread; each trace's content from a generator seeded by (seed, trace index), so files are written in parallel.
 */
public final class TraceGenerator {

  /** What to generate. {@code start} is the first UTC day; traces spread over {@code days} days. */
  public record Spec(long traces, long seed, int days, int users, int files, boolean gzip, LocalDate start) {}

  private static final String[] VERSIONS = {"1.0.0", "1.1.0", "1.2.0"};
  /** gpt-4o-mini's list price since 2024-07-18 (openai.com/api/pricing, read 2026-12-07), USD per million tokens. */
  static final double INPUT_USD_PER_MILLION = 0.15;
  static final double OUTPUT_USD_PER_MILLION = 0.60;
  private static final String[] ENVIRONMENTS = {"production", "staging", "development"};
  private static final double[] ENV_WEIGHTS = {0.80, 0.15, 0.05};
  private static final String[][] DEPLOYMENTS = {
      {"prod-eu-1", "prod-us-1", "prod-us-2"}, {"staging-1"}, {"dev-local"}};
  private static final String[] CATEGORIES = {"account", "billing", "technical", "product", "chat", "other"};
  private static final String[] SUBJECTS = {"my password", "the invoice for March", "two-factor login",
      "the API rate limit", "exporting my data", "the mobile app", "a refund", "my subscription plan",
      "the webhook settings", "single sign-on", "the usage dashboard", "team permissions"};
  private static final String[] ASKS = {"How do I reset", "Why can't I change", "Can you explain",
      "What is the status of", "I need help with", "Is there a way to automate", "Where do I find",
      "Something is wrong with"};
  private static final String[] ANSWER_PARTS = {"Go to Settings and open the Security tab.",
      "You can find it under Billing > Invoices.", "This usually takes a few minutes to propagate.",
      "Make sure your workspace admin has granted the permission.", "I have opened a ticket for our team.",
      "The limit resets every hour; consider batching requests.", "You can export everything as CSV or JSON.",
      "Single sign-on is configured by your identity provider.", "Try signing out and back in after the change.",
      "Here is a short summary of the steps involved in the process."};
  /** Closing a per-trace generator hands its bytes to the buffered stream without flushing or closing it. */
  private static final JsonFactory JSON = new JsonFactory()
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
      .disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);

  private final Spec spec;
  private final Plan plan;

  public TraceGenerator(Spec spec) {
    if (spec.traces() < 1 || spec.days() < 1 || spec.users() < 1 || spec.files() < 1) {
      throw new IllegalArgumentException("traces, days, users and files must be at least 1");
    }
    this.spec = spec;
    this.plan = Plan.draw(spec);
  }

  /** Writes the files into {@code outDir} (created if needed); returns their paths. */
  public List<Path> writeTo(Path outDir, int threads) throws IOException {
    Files.createDirectories(outDir);
    int files = (int) Math.min(spec.files(), Math.max(1, plan.sessions()));
    List<Path> paths = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, files)));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int f = 0; f < files; f++) {
        Path path = outDir.resolve(String.format("traces-%05d.jsonl%s", f, spec.gzip() ? ".gz" : ""));
        paths.add(path);
        int fromSession = (int) ((long) plan.sessions() * f / files);
        int toSession = (int) ((long) plan.sessions() * (f + 1) / files);
        futures.add(pool.submit(() -> {
          writeFile(path, fromSession, toSession);
          return null;
        }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } catch (Exception e) {
      throw new IOException("generation failed: " + e.getMessage(), e);
    } finally {
      pool.shutdownNow();
    }
    return paths;
  }

  private void writeFile(Path path, int fromSession, int toSession) throws IOException {
    try (OutputStream raw = Files.newOutputStream(path);
        OutputStream out = spec.gzip()
            ? new BufferedOutputStream(new GZIPOutputStream(raw, 1 << 16), 1 << 16)
            : new BufferedOutputStream(raw, 1 << 20)) {
      for (int s = fromSession; s < toSession; s++) {
        long first = plan.firstTrace[s];
        long time = plan.startMs[s];
        for (int turn = 0; turn < plan.turns[s]; turn++) {
          SplittableRandom r = new SplittableRandom(mix(spec.seed(), first + turn));
          TraceDraw t = drawTrace(r, s, turn, time);
          writeTrace(out, t);
          out.write('\n');
          // The next turn starts after this one ended plus the user's think time.
          time = t.startMs + (t.durationMs == null ? 3_000 : t.durationMs) + thinkTimeMs(r);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- drawing

  /** Everything random about one trace. */
  private static final class TraceDraw {
    String traceId;
    long startMs;
    Long durationMs;
    String state;
    String user;
    String session;
    String environment;
    String version;
    String deployment;
    String category;
    String question;
    String answer;
    long inputTokens;
    long outputTokens;
    int childSpans;
    byte[] otelTraceId;
    boolean feedback;
    boolean satisfied;
    boolean judge;
    double relevance;
    boolean expectation;
  }

  private TraceDraw drawTrace(SplittableRandom r, int session, int turn, long startMs) {
    TraceDraw t = new TraceDraw();
    t.traceId = "tr-" + hex(r, 16);
    t.startMs = startMs;
    t.user = plan.userOf(session);
    t.session = plan.sessionId(session);
    t.environment = ENVIRONMENTS[plan.env[session]];
    t.version = VERSIONS[plan.version[session]];
    t.deployment = DEPLOYMENTS[plan.env[session]][plan.deployment[session]];
    t.category = plan.category(session, r);
    double errorRate = 0.03 + (plan.env[session] == 1 ? 0.04 : 0) + (plan.version[session] == 2 ? 0.02 : 0);
    double u = r.nextDouble();
    if (u < 0.003) {
      t.state = "IN_PROGRESS";
    } else if (u < 0.003 + errorRate) {
      t.state = "ERROR";
    } else {
      t.state = "OK";
    }
    t.durationMs = t.state.equals("IN_PROGRESS") ? null : Math.round(Math.exp(7.2 + 0.6 * r.nextGaussian()));
    t.question = ASKS[r.nextInt(ASKS.length)] + " " + SUBJECTS[r.nextInt(SUBJECTS.length)] + "?"
        + (turn > 0 ? " (follow-up " + turn + ")" : "");
    StringBuilder answer = new StringBuilder();
    int parts = 2 + r.nextInt(4);
    for (int i = 0; i < parts; i++) {
      answer.append(i == 0 ? "" : " ").append(ANSWER_PARTS[r.nextInt(ANSWER_PARTS.length)]);
    }
    t.answer = t.state.equals("ERROR") ? null : answer.toString();
    t.inputTokens = 40 + r.nextInt(700);
    t.outputTokens = t.answer == null ? 0 : 20 + r.nextInt(400);
    t.childSpans = 1 + r.nextInt(3);
    t.otelTraceId = new byte[16];
    r.nextBytes(t.otelTraceId);
    t.feedback = t.answer != null && r.nextDouble() < 0.08;
    t.satisfied = r.nextDouble() < 0.8;
    t.judge = t.answer != null && r.nextDouble() < 0.05;
    t.relevance = 1 + r.nextInt(5);
    t.expectation = r.nextDouble() < 0.02;
    return t;
  }

  private static long thinkTimeMs(SplittableRandom r) {
    // Mostly tens of seconds, sometimes minutes.
    return Math.round(Math.exp(3.2 + 1.1 * r.nextGaussian()) * 1000);
  }

  // ---------------------------------------------------------------------------------------------- writing

  /** Whether MLflow recorded the trace's cost: the newest version's traces, once finished. */
  private static boolean recordsCost(TraceDraw t) {
    return t.version.equals(VERSIONS[VERSIONS.length - 1]) && !t.state.equals("IN_PROGRESS");
  }

  /** {@code {"input_cost": …, "output_cost": …, "total_cost": …}} in USD, as MLflow writes it. */
  private static String costJson(TraceDraw t) {
    double in = t.inputTokens * INPUT_USD_PER_MILLION / 1e6;
    double out = t.outputTokens * OUTPUT_USD_PER_MILLION / 1e6;
    return "{\"input_cost\": " + in + ", \"output_cost\": " + out + ", \"total_cost\": " + (in + out) + "}";
  }

  private void writeTrace(OutputStream out, TraceDraw t) throws IOException {
    String inputsJson = "{\"messages\": [{\"role\": \"user\", \"content\": " + quote(t.question) + "}]}";
    String outputsJson = t.answer == null ? null : quote(t.answer);
    String usageJson = "{\"input_tokens\": " + t.inputTokens + ", \"output_tokens\": " + t.outputTokens
        + ", \"total_tokens\": " + (t.inputTokens + t.outputTokens) + "}";
    long end = t.startMs + (t.durationMs == null ? 0 : t.durationMs);
    String costJson = recordsCost(t) ? costJson(t) : null;
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeObjectFieldStart("info");
      g.writeStringField("trace_id", t.traceId);
      g.writeObjectFieldStart("trace_location");
      g.writeStringField("type", "MLFLOW_EXPERIMENT");
      g.writeObjectFieldStart("mlflow_experiment");
      g.writeStringField("experiment_id", "1");
      g.writeEndObject();
      g.writeEndObject();
      g.writeStringField("request_time", Instant.ofEpochMilli(t.startMs).toString());
      g.writeStringField("state", t.state);
      g.writeObjectFieldStart("trace_metadata");
      g.writeStringField("mlflow.trace_schema.version", "3");
      g.writeStringField("mlflow.traceInputs", truncate(inputsJson, 250));
      if (outputsJson != null) {
        g.writeStringField("mlflow.traceOutputs", truncate(outputsJson, 250));
      }
      g.writeStringField("mlflow.source.name", "app.py");
      g.writeStringField("mlflow.source.type", t.environment);
      g.writeStringField("mlflow.user", "svc-support-bot");
      if (t.user != null) {
        g.writeStringField("mlflow.trace.user", t.user);
      }
      if (t.session != null) {
        g.writeStringField("mlflow.trace.session", t.session);
      }
      g.writeStringField("app_version", t.version);
      g.writeStringField("deployment_id", t.deployment);
      g.writeStringField("mlflow.trace.tokenUsage", usageJson);
      if (costJson != null) {
        g.writeStringField("mlflow.trace.cost", costJson);
      }
      g.writeStringField("mlflow.trace.sizeStats", "{\"total_size_bytes\": " + (1800 + t.childSpans * 400)
          + ", \"num_spans\": " + (1 + t.childSpans) + "}");
      g.writeEndObject();
      if (t.feedback || t.judge || t.expectation) {
        writeAssessments(g, t, end);
      }
      g.writeObjectFieldStart("tags");
      g.writeStringField("mlflow.traceName", "chat");
      g.writeStringField("mlflow.trace.spansLocation", "TRACKING_STORE");
      g.writeStringField("query_category", t.category);
      g.writeEndObject();
      g.writeStringField("request_preview", t.question);
      if (outputsJson != null) {
        g.writeStringField("response_preview", outputsJson);
      }
      if (t.durationMs != null) {
        g.writeNumberField("execution_duration_ms", t.durationMs);
      }
      g.writeEndObject();
      writeSpans(g, t, inputsJson, outputsJson, usageJson, costJson, end);
      g.writeEndObject();
    }
  }

  private void writeAssessments(JsonGenerator g, TraceDraw t, long end) throws IOException {
    g.writeArrayFieldStart("assessments");
    if (t.feedback) {
      String at = Instant.ofEpochMilli(end + 15_000).toString();
      g.writeStartObject();
      g.writeStringField("assessment_id", "a-" + t.traceId.substring(3, 19) + "f1");
      g.writeStringField("assessment_name", "user_satisfaction");
      g.writeStringField("trace_id", t.traceId);
      g.writeObjectFieldStart("source");
      g.writeStringField("source_type", "HUMAN");
      g.writeStringField("source_id", t.user == null ? "anonymous" : t.user);
      g.writeEndObject();
      g.writeStringField("create_time", at);
      g.writeStringField("last_update_time", at);
      g.writeObjectFieldStart("feedback");
      g.writeBooleanField("value", t.satisfied);
      g.writeEndObject();
      if (!t.satisfied) {
        g.writeStringField("rationale", "The answer did not solve my problem");
      }
      g.writeEndObject();
    }
    if (t.judge) {
      String at = Instant.ofEpochMilli(end + 60_000).toString();
      g.writeStartObject();
      g.writeStringField("assessment_id", "a-" + t.traceId.substring(3, 19) + "j1");
      g.writeStringField("assessment_name", "relevance");
      g.writeStringField("trace_id", t.traceId);
      g.writeObjectFieldStart("source");
      g.writeStringField("source_type", "LLM_JUDGE");
      g.writeStringField("source_id", "openai:/gpt-4o-mini");
      g.writeEndObject();
      g.writeStringField("create_time", at);
      g.writeStringField("last_update_time", at);
      g.writeObjectFieldStart("feedback");
      g.writeNumberField("value", t.relevance);
      g.writeEndObject();
      g.writeStringField("rationale", "The response addresses the question.");
      g.writeEndObject();
    }
    if (t.expectation) {
      String at = Instant.ofEpochMilli(end + 86_400_000L).toString();
      g.writeStartObject();
      g.writeStringField("assessment_id", "a-" + t.traceId.substring(3, 19) + "e1");
      g.writeStringField("assessment_name", "expected_facts");
      g.writeStringField("trace_id", t.traceId);
      g.writeObjectFieldStart("source");
      g.writeStringField("source_type", "HUMAN");
      g.writeStringField("source_id", "reviewer@example.com");
      g.writeEndObject();
      g.writeStringField("create_time", at);
      g.writeStringField("last_update_time", at);
      g.writeObjectFieldStart("expectation");
      g.writeObjectFieldStart("serialized_value");
      g.writeStringField("serialization_format", "JSON_FORMAT");
      g.writeStringField("value", "[\"Settings\", \"Security\"]");
      g.writeEndObject();
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private void writeSpans(JsonGenerator g, TraceDraw t, String inputsJson, String outputsJson, String usageJson,
      String costJson, long end) throws IOException {
    Base64.Encoder b64 = Base64.getEncoder();
    String otelTrace = b64.encodeToString(t.otelTraceId);
    SplittableRandom r = new SplittableRandom(Arrays.hashCode(t.otelTraceId));
    String rootId = b64.encodeToString(bytes(r, 8));
    long startNs = t.startMs * 1_000_000L;
    long endNs = end * 1_000_000L;
    boolean error = t.state.equals("ERROR");
    g.writeObjectFieldStart("data");
    g.writeArrayFieldStart("spans");
    writeSpan(g, otelTrace, rootId, null, "chat", startNs, endNs, error, "CHAIN",
        new String[][] {{"mlflow.traceRequestId", quote(t.traceId)}, {"mlflow.spanInputs", inputsJson},
            {"mlflow.spanOutputs", outputsJson}});
    long childStart = startNs + 2_000_000L;
    long slice = Math.max(1, (endNs - childStart) / (t.childSpans + 1));
    for (int c = 0; c < t.childSpans; c++) {
      String id = b64.encodeToString(bytes(r, 8));
      long s = childStart + c * slice;
      long e = s + slice;
      if (c == t.childSpans - 1) {
        String[][] attributes = {{"mlflow.spanInputs", inputsJson}, {"mlflow.spanOutputs", outputsJson},
            {"mlflow.chat.tokenUsage", usageJson}, {"mlflow.llm.model", quote("gpt-4o-mini")}};
        if (costJson != null) {
          attributes = Arrays.copyOf(attributes, attributes.length + 1);
          attributes[attributes.length - 1] = new String[] {"mlflow.llm.cost", costJson};
        }
        writeSpan(g, otelTrace, id, rootId, "ChatOpenAI", s, e, error, "CHAT_MODEL", attributes);
      } else if (c == 0) {
        writeSpan(g, otelTrace, id, rootId, "retrieve_docs", s, e, false, "RETRIEVER",
            new String[][] {{"mlflow.spanInputs", "{\"query\": " + quote(t.question) + "}"},
                {"mlflow.spanOutputs", "[{\"page_content\": \"Help center article " + r.nextInt(500)
                    + "\", \"metadata\": {\"doc_uri\": \"kb/" + r.nextInt(500) + "\"}}]"}});
      } else {
        writeSpan(g, otelTrace, id, rootId, "lookup_account", s, e, false, "TOOL",
            new String[][] {{"mlflow.spanInputs", "{\"user\": " + quote(String.valueOf(t.user)) + "}"},
                {"mlflow.spanOutputs", "{\"plan\": \"team\", \"seats\": " + (1 + r.nextInt(50)) + "}"}});
      }
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeSpan(JsonGenerator g, String traceId, String spanId, String parentId, String name,
      long startNs, long endNs, boolean error, String type, String[][] attributes) throws IOException {
    g.writeStartObject();
    g.writeStringField("trace_id", traceId);
    g.writeStringField("span_id", spanId);
    if (parentId == null) {
      g.writeNullField("parent_span_id");
    } else {
      g.writeStringField("parent_span_id", parentId);
    }
    g.writeStringField("name", name);
    g.writeNumberField("start_time_unix_nano", startNs);
    g.writeNumberField("end_time_unix_nano", endNs);
    g.writeArrayFieldStart("events");
    g.writeEndArray();
    g.writeObjectFieldStart("status");
    g.writeStringField("code", error ? "STATUS_CODE_ERROR" : "STATUS_CODE_OK");
    g.writeStringField("message", error ? "RateLimitError: upstream model overloaded" : "");
    g.writeEndObject();
    g.writeObjectFieldStart("attributes");
    g.writeStringField("mlflow.spanType", quote(type));
    for (String[] kv : attributes) {
      if (kv[1] != null) {
        g.writeStringField(kv[0], kv[1]);
      }
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  // ------------------------------------------------------------------------------------------------- plan

  /** Sessions in time order: who, when, how many turns, which deployment. Drawn once from the seed. */
  private static final class Plan {
    int[] user;
    long[] startMs;
    int[] turns;
    byte[] env;
    byte[] version;
    byte[] deployment;
    long[] firstTrace;
    long[] sessionKey;
    int[] favouriteCategory;
    int count;

    int sessions() {
      return count;
    }

    String userOf(int s) {
      return user[s] < 0 ? null : String.format("user-%04d", user[s]);
    }

    String sessionId(int s) {
      return sessionKey[s] == 0 ? null : "session-" + Long.toHexString(sessionKey[s]);
    }

    String category(int s, SplittableRandom r) {
      int fav = user[s] < 0 ? 5 : favouriteCategory[user[s]];
      return r.nextDouble() < 0.6 ? CATEGORIES[fav] : CATEGORIES[r.nextInt(CATEGORIES.length)];
    }

    static Plan draw(Spec spec) {
      SplittableRandom r = new SplittableRandom(spec.seed());
      double[] cumulative = new double[spec.users()];
      double sum = 0;
      for (int i = 0; i < spec.users(); i++) {
        sum += 1.0 / Math.pow(i + 1, 0.8);
        cumulative[i] = sum;
      }
      int[] favourite = new int[spec.users()];
      for (int i = 0; i < favourite.length; i++) {
        favourite[i] = r.nextInt(CATEGORIES.length);
      }
      List<long[]> drawn = new ArrayList<>();
      long remaining = spec.traces();
      long day0 = spec.start().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      while (remaining > 0) {
        int u = Arrays.binarySearch(cumulative, r.nextDouble() * sum);
        u = u < 0 ? -u - 1 : u;
        boolean anonymous = r.nextDouble() < 0.005;
        boolean sessionless = r.nextDouble() < 0.01;
        int turns = sessionless ? 1 : 1 + (int) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(0.7));
        turns = (int) Math.min(Math.min(turns, 40), remaining);
        int day = r.nextInt(spec.days());
        // Activity peaks in the (UTC) afternoon; some sessions start late and cross midnight.
        double hour = Math.floorMod((long) Math.round((14 + 4.5 * r.nextGaussian()) * 3600_000), 86_400_000L);
        long start = day0 + day * 86_400_000L + (long) hour;
        double progress = (day + hour / 86_400_000.0) / spec.days();
        int version = progress < 0.35 ? 0 : progress < 0.7 ? (r.nextDouble() < 0.9 ? 1 : 2)
            : (r.nextDouble() < 0.25 ? 1 : 2);
        double e = r.nextDouble();
        int env = e < ENV_WEIGHTS[0] ? 0 : e < ENV_WEIGHTS[0] + ENV_WEIGHTS[1] ? 1 : 2;
        int deployment = r.nextInt(DEPLOYMENTS[env].length);
        long key = sessionless ? 0 : (r.nextLong() >>> 1) | 1;
        drawn.add(new long[] {anonymous ? -1 : u, start, turns, env, version, deployment, key});
        remaining -= turns;
      }
      drawn.sort((a, b) -> a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[6], b[6]));
      Plan p = new Plan();
      p.count = drawn.size();
      p.user = new int[p.count];
      p.startMs = new long[p.count];
      p.turns = new int[p.count];
      p.env = new byte[p.count];
      p.version = new byte[p.count];
      p.deployment = new byte[p.count];
      p.firstTrace = new long[p.count];
      p.sessionKey = new long[p.count];
      p.favouriteCategory = favourite;
      long first = 0;
      for (int i = 0; i < p.count; i++) {
        long[] d = drawn.get(i);
        p.user[i] = (int) d[0];
        p.startMs[i] = d[1];
        p.turns[i] = (int) d[2];
        p.env[i] = (byte) d[3];
        p.version[i] = (byte) d[4];
        p.deployment[i] = (byte) d[5];
        p.sessionKey[i] = d[6];
        p.firstTrace[i] = first;
        first += d[2];
      }
      return p;
    }
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static long mix(long seed, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + index;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static String hex(SplittableRandom r, int bytes) {
    StringBuilder sb = new StringBuilder(bytes * 2);
    for (int i = 0; i < bytes; i++) {
      sb.append(Character.forDigit(r.nextInt(16), 16)).append(Character.forDigit(r.nextInt(16), 16));
    }
    return sb.toString();
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
