package dev.faultline.streams;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * pipeline/contract/window.ts in Java: a tumbling-window aggregate per (window, service, level, input partition),
 * its key, addEvent and quantile, and its JSON in WindowAggregate's shape (the value the checkers read).
 */
final class WindowAggregate {
  static final long WINDOW_MS = 10_000;
  /** Upper bounds (ms) of the latency buckets; the last bucket is open. */
  static final double[] LATENCY_BUCKETS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};

  String windowStart, windowEnd, service, level;
  int inputPartition;
  long count;
  long latencyCount;
  double sumMs, maxMs;
  final long[] buckets = new long[LATENCY_BUCKETS.length + 1];
  String lastInputOffset;

  static long windowStartOf(long epochMillis) {
    return Math.floorDiv(epochMillis, WINDOW_MS) * WINDOW_MS;
  }

  /** aggregateKey(): `${windowStart}|${service}|${level}|${inputPartition}`, windowStart as its ISO string. */
  static String key(String windowStartIso, String service, String level, int inputPartition) {
    return windowStartIso + '|' + service + '|' + level + '|' + inputPartition;
  }

  static WindowAggregate empty(long windowStartMs, String service, String level, int inputPartition) {
    WindowAggregate a = new WindowAggregate();
    a.windowStart = Events.iso(windowStartMs);
    a.windowEnd = Events.iso(windowStartMs + WINDOW_MS);
    a.service = service;
    a.level = level;
    a.inputPartition = inputPartition;
    return a;
  }

  /** addEvent(): the percentiles are derived from the buckets when written (as addEvent recomputes them per event). */
  void add(Double latencyMs) {
    count++;
    if (latencyMs != null) {
      double l = latencyMs;
      latencyCount++;
      sumMs += l;
      maxMs = Math.max(maxMs, l);
      int i = 0;
      while (i < LATENCY_BUCKETS.length && !(l <= LATENCY_BUCKETS[i])) i++;
      buckets[i]++;
    }
  }

  /** quantile(): the upper bound of the bucket holding q; the open bucket's is Infinity (null in JSON, as JSON.stringify writes it). */
  static Double quantile(long[] buckets, double q) {
    long total = 0;
    for (long b : buckets) total += b;
    if (total == 0) return null;
    double rank = Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < buckets.length; i++) {
      seen += buckets[i];
      if (seen >= rank) return i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i] : Double.POSITIVE_INFINITY;
    }
    return null;
  }

  byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(384);
    try (JsonGenerator g = Events.JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("windowStart", windowStart);
      g.writeStringField("windowEnd", windowEnd);
      g.writeStringField("service", service);
      g.writeStringField("level", level);
      g.writeNumberField("inputPartition", inputPartition);
      g.writeNumberField("count", count);
      g.writeObjectFieldStart("latency");
      g.writeNumberField("count", latencyCount);
      g.writeFieldName("sumMs");
      Events.writeJsNumber(g, sumMs);
      g.writeFieldName("maxMs");
      Events.writeJsNumber(g, maxMs);
      g.writeArrayFieldStart("buckets");
      for (long b : buckets) g.writeNumber(b);
      g.writeEndArray();
      g.writeEndObject();
      for (String[] p : new String[][] {{"p50Ms", "0.5"}, {"p95Ms", "0.95"}, {"p99Ms", "0.99"}}) {
        Double v = quantile(buckets, Double.parseDouble(p[1]));
        g.writeFieldName(p[0]);
        if (v == null) g.writeNull();
        else Events.writeJsNumber(g, v);
      }
      if (lastInputOffset != null) g.writeStringField("lastInputOffset", lastInputOffset);
      g.writeEndObject();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }

  static WindowAggregate fromJson(byte[] json) {
    try {
      JsonNode j = Events.JSON.readTree(json);
      WindowAggregate a = new WindowAggregate();
      a.windowStart = j.get("windowStart").textValue();
      a.windowEnd = j.get("windowEnd").textValue();
      a.service = j.get("service").textValue();
      a.level = j.get("level").textValue();
      a.inputPartition = j.get("inputPartition").intValue();
      a.count = j.get("count").longValue();
      JsonNode l = j.get("latency");
      a.latencyCount = l.get("count").longValue();
      a.sumMs = l.get("sumMs").doubleValue();
      a.maxMs = l.get("maxMs").doubleValue();
      JsonNode b = l.get("buckets");
      for (int i = 0; i < a.buckets.length; i++) a.buckets[i] = b.get(i).longValue();
      JsonNode o = j.get("lastInputOffset");
      a.lastInputOffset = o == null || o.isNull() ? null : o.textValue();
      return a;
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }
}
