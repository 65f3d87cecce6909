package dev.faultline.streams;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The process stage's transform (pipeline/process/transform.ts) and the contract's schemas (pipeline/contract/event.ts),
 * in Java: parse the JSON value, validate it as zod's strict {@code LogEvent} does, enrich and classify. Pure functions.
 */
final class Events {
  private Events() {}

  /**
   * Strict JSON like JSON.parse: no trailing content, no comments, no NaN (Jackson's defaults plus trailing tokens);
   * written as JSON.stringify writes it: characters outside the BMP as themselves, not as escaped surrogates.
   */
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
      .build();

  static final List<String> LEVELS = List.of("debug", "info", "warn", "error");
  static final List<String> CATEGORIES = List.of("client", "server", "timeout", "auth", "other");
  private static final Set<String> EVENT_KEYS = Set.of("id", "service", "level", "message", "timestamp", "latencyMs");
  private static final Set<String> PROCESSED_KEYS =
      Set.of("id", "service", "level", "message", "timestamp", "latencyMs", "ingestedAt", "processedAt", "severity", "category", "source");

  private static final Pattern ID = Pattern.compile("^[A-Za-z0-9._:-]+$");
  private static final Pattern SERVICE = Pattern.compile("^[a-z0-9][a-z0-9-]*$");
  /** zod 3's `z.string().datetime({ offset: true })`, as its datetimeRegex builds it (leap years checked, seconds optional). */
  private static final Pattern DATETIME = Pattern.compile(
      "^((\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\\d|3[01])|(0[469]|11)-(0[1-9]|[12]\\d|30)|(02)-(0[1-9]|1\\d|2[0-8])))"
          + "T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?(Z|([+-]\\d{2}:?\\d{2}))$");

  // classify(): JavaScript's \b is ASCII (no u flag); Java 17's \b is not, so the word boundaries are spelled out
  private static final String W = "[A-Za-z0-9_]";
  private static final Pattern TIMEOUT = Pattern.compile("timeout|timed out|deadline");
  private static final Pattern AUTH = Pattern.compile("unauthori[sz]ed|forbidden|denied|token");
  private static final Pattern CLIENT = Pattern.compile("(?<!" + W + ")4[0-9][0-9](?!" + W + ")|bad request|not found");
  private static final Pattern SERVER = Pattern.compile("(?<!" + W + ")5[0-9][0-9](?!" + W + ")|exception|panic|internal");

  static String classify(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    if (TIMEOUT.matcher(m).find()) return "timeout";
    if (AUTH.matcher(m).find()) return "auth";
    if (CLIENT.matcher(m).find()) return "client";
    if (SERVER.matcher(m).find()) return "server";
    return "other";
  }

  /** A validated event: LogEvent's fields, plus a processed event's where it is one. */
  static final class Event {
    String id, service, level, message, timestamp;
    /** null when absent. */
    Double latencyMs;
    // a processed event's (null for a raw one)
    String ingestedAt, processedAt, category;
    int severity, sourcePartition;
    String sourceOffset;
  }

  /** The outcome of the transform: the processed JSON and its key (the event id), or the reason it goes to the DLQ. */
  record Transformed(String id, byte[] json, String reason) {
    boolean ok() {
      return reason == null;
    }
  }

  /** transform(): `ingestedAt` is the record's faultline-ingested-at header (null when absent or empty). */
  static Transformed transform(byte[] value, int partition, long offset, String ingestedAt, String processedAt) {
    if (value == null) return new Transformed(null, null, "empty record value");
    JsonNode json;
    try {
      // decoded as Node's Buffer.toString('utf8') does (bad bytes become U+FFFD), then parsed
      json = JSON.readTree(new String(value, StandardCharsets.UTF_8));
      if (json == null || json.isMissingNode()) return new Transformed(null, null, "not JSON: Unexpected end of JSON input");
    } catch (JsonProcessingException x) {
      return new Transformed(null, null, "not JSON: " + x.getOriginalMessage());
    } catch (IOException x) {
      return new Transformed(null, null, "not JSON: " + x.getMessage());
    }
    Event e = new Event();
    String problem = validateEvent(json, e, false);
    if (problem != null) return new Transformed(null, null, "schema: " + problem);
    e.ingestedAt = ingestedAt != null ? ingestedAt : processedAt;
    e.processedAt = processedAt;
    e.severity = LEVELS.indexOf(e.level);
    e.category = classify(e.message);
    e.sourcePartition = partition;
    e.sourceOffset = Long.toString(offset);
    return new Transformed(e.id, processedJson(e), null);
  }

  /**
   * The first problem zod would report (`path: message`), or null when valid: the shape's keys in order, then the
   * unknown keys (strict). `processed`: the ProcessedEvent schema (LogEvent extended, strict) instead of LogEvent.
   */
  static String validateEvent(JsonNode j, Event e, boolean processed) {
    if (!j.isObject()) return "(event): Expected object, received " + typeOf(j);
    String p;
    if ((p = string(j, "id", 1, 128, ID, "id may hold only letters, digits and . _ : -")) != null) return p;
    if ((p = string(j, "service", 1, 64, SERVICE, "service must be lower-case kebab (a-z, 0-9, -)")) != null) return p;
    JsonNode level = j.get("level");
    if (level == null) return "level: Required";
    if (!level.isTextual() || !LEVELS.contains(level.textValue()))
      return "level: Invalid enum value. Expected 'debug' | 'info' | 'warn' | 'error', received " + (level.isTextual() ? "'" + level.textValue() + "'" : typeOf(level));
    if ((p = string(j, "message", 0, 8 * 1024, null, null)) != null) return p;
    if ((p = datetime(j, "timestamp")) != null) return p;
    JsonNode lat = j.get("latencyMs");
    if (lat != null) {
      if (!lat.isNumber()) return "latencyMs: Expected number, received " + typeOf(lat);
      double d = lat.doubleValue();
      if (!Double.isFinite(d)) return "latencyMs: Number must be finite";
      if (d < 0) return "latencyMs: Number must be greater than or equal to 0";
      e.latencyMs = d;
    }
    e.id = j.get("id").textValue();
    e.service = j.get("service").textValue();
    e.level = level.textValue();
    e.message = j.get("message").textValue();
    e.timestamp = j.get("timestamp").textValue();
    if (processed) {
      if ((p = datetime(j, "ingestedAt")) != null) return p;
      if ((p = datetime(j, "processedAt")) != null) return p;
      JsonNode sev = j.get("severity");
      if (sev == null) return "severity: Required";
      if (!sev.isNumber()) return "severity: Expected number, received " + typeOf(sev);
      double s = sev.doubleValue();
      if (s != Math.rint(s) || !Double.isFinite(s)) return "severity: Expected integer, received float";
      if (s < 0 || s > 3) return "severity: Number must be between 0 and 3";
      JsonNode cat = j.get("category");
      if (cat == null) return "category: Required";
      if (!cat.isTextual() || !CATEGORIES.contains(cat.textValue())) return "category: Invalid enum value";
      JsonNode src = j.get("source");
      if (src == null) return "source: Required";
      if (!src.isObject()) return "source: Expected object, received " + typeOf(src);
      JsonNode sp = src.get("partition");
      if (sp == null || !sp.isNumber() || sp.doubleValue() != Math.rint(sp.doubleValue())) return "source.partition: Expected integer";
      JsonNode so = src.get("offset");
      if (so == null || !so.isTextual()) return "source.offset: Expected string";
      e.ingestedAt = j.get("ingestedAt").textValue();
      e.processedAt = j.get("processedAt").textValue();
      e.severity = (int) s;
      e.category = cat.textValue();
      e.sourcePartition = sp.intValue();
      e.sourceOffset = so.textValue();
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!(processed ? PROCESSED_KEYS : EVENT_KEYS).contains(k)) unknown.add("'" + k + "'");
    }
    if (!unknown.isEmpty()) return "(event): Unrecognized key(s) in object: " + String.join(", ", unknown);
    return null;
  }

  private static String string(JsonNode j, String key, int min, int max, Pattern re, String reMessage) {
    JsonNode n = j.get(key);
    if (n == null) return key + ": Required";
    if (!n.isTextual()) return key + ": Expected string, received " + typeOf(n);
    String s = n.textValue();
    // zod counts UTF-16 code units, as String.length() does
    if (s.length() < min) return key + ": String must contain at least " + min + " character(s)";
    if (s.length() > max) return key + ": String must contain at most " + max + " character(s)";
    if (re != null && !re.matcher(s).matches()) return key + ": " + reMessage;
    return null;
  }

  private static String datetime(JsonNode j, String key) {
    JsonNode n = j.get(key);
    if (n == null) return key + ": Required";
    if (!n.isTextual()) return key + ": Expected string, received " + typeOf(n);
    if (!DATETIME.matcher(n.textValue()).matches()) return key + ": Invalid datetime";
    return null;
  }

  private static String typeOf(JsonNode n) {
    if (n.isNull()) return "null";
    if (n.isTextual()) return "string";
    if (n.isNumber()) return "number";
    if (n.isBoolean()) return "boolean";
    if (n.isArray()) return "array";
    return "object";
  }

  /** The processed event as JSON, keys in the order the TS stage writes them (`{...event, ingestedAt, ...}`). */
  static byte[] processedJson(Event e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + e.message.length());
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", e.id);
      g.writeStringField("service", e.service);
      g.writeStringField("level", e.level);
      g.writeStringField("message", e.message);
      g.writeStringField("timestamp", e.timestamp);
      if (e.latencyMs != null) {
        g.writeFieldName("latencyMs");
        writeJsNumber(g, e.latencyMs);
      }
      g.writeStringField("ingestedAt", e.ingestedAt);
      g.writeStringField("processedAt", e.processedAt);
      g.writeNumberField("severity", e.severity);
      g.writeStringField("category", e.category);
      g.writeObjectFieldStart("source");
      g.writeNumberField("partition", e.sourcePartition);
      g.writeStringField("offset", e.sourceOffset);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }

  /** A number as JSON.stringify writes it where it matters: whole numbers without `.0` (non-finite ones as null). */
  static void writeJsNumber(JsonGenerator g, double d) throws IOException {
    if (!Double.isFinite(d)) g.writeNull();
    else if (d == Math.rint(d) && Math.abs(d) < 1e21) {
      if (Math.abs(d) < 9.0e18) g.writeNumber((long) d);
      else g.writeNumber(new BigDecimal(d).toBigInteger());
    } else g.writeNumber(d);
  }

  /**
   * Date.parse of a timestamp the schema accepted, as V8 reads it: fraction truncated to milliseconds, an offset
   * with or without its colon; an offset past 23:59 is NaN there (returned as null here).
   */
  static Long epochMillis(String ts) {
    int y = Integer.parseInt(ts.substring(0, 4)), mo = Integer.parseInt(ts.substring(5, 7)), d = Integer.parseInt(ts.substring(8, 10));
    int h = Integer.parseInt(ts.substring(11, 13)), mi = Integer.parseInt(ts.substring(14, 16));
    int i = 16, s = 0, ms = 0;
    if (i < ts.length() && ts.charAt(i) == ':') {
      s = Integer.parseInt(ts.substring(i + 1, i + 3));
      i += 3;
      if (i < ts.length() && ts.charAt(i) == '.') {
        int j = i + 1;
        while (j < ts.length() && Character.isDigit(ts.charAt(j))) j++;
        String frac = (ts.substring(i + 1, j) + "00").substring(0, 3);
        ms = Integer.parseInt(frac);
        i = j;
      }
    }
    long offsetMin = 0;
    char z = ts.charAt(i);
    if (z != 'Z') {
      String off = ts.substring(i + 1).replace(":", "");
      int oh = Integer.parseInt(off.substring(0, 2)), om = Integer.parseInt(off.substring(2, 4));
      if (oh > 23 || om > 59) return null;
      offsetMin = (z == '-' ? -1 : 1) * (oh * 60L + om);
    }
    long day = LocalDate.of(y, mo, d).toEpochDay();
    return day * 86_400_000L + (h * 3600L + mi * 60L + s) * 1000L + ms - offsetMin * 60_000L;
  }

  /** `new Date(ms).toISOString()`: always milliseconds, years past 9999 (or before 0) in the extended form. */
  static String iso(long ms) {
    long days = Math.floorDiv(ms, 86_400_000L);
    long inDay = Math.floorMod(ms, 86_400_000L);
    LocalDate date = LocalDate.ofEpochDay(days);
    StringBuilder b = new StringBuilder(30);
    int y = date.getYear();
    if (y >= 0 && y <= 9999) pad(b, y, 4);
    else {
      b.append(y < 0 ? '-' : '+');
      pad(b, Math.abs(y), 6);
    }
    b.append('-');
    pad(b, date.getMonthValue(), 2);
    b.append('-');
    pad(b, date.getDayOfMonth(), 2);
    b.append('T');
    pad(b, (int) (inDay / 3_600_000L), 2);
    b.append(':');
    pad(b, (int) (inDay / 60_000L % 60), 2);
    b.append(':');
    pad(b, (int) (inDay / 1000L % 60), 2);
    b.append('.');
    pad(b, (int) (inDay % 1000L), 3);
    return b.append('Z').toString();
  }

  private static void pad(StringBuilder b, int v, int width) {
    String s = Integer.toString(v);
    for (int k = s.length(); k < width; k++) b.append('0');
    b.append(s);
  }

  /** Parses a processed event (ProcessedEvent.safeParse in the aggregate stage): null when it is not one. */
  static Event parseProcessed(byte[] value) {
    if (value == null) return null;
    try {
      JsonNode j = JSON.readTree(new String(value, StandardCharsets.UTF_8));
      if (j == null || j.isMissingNode()) return null;
      Event e = new Event();
      return validateEvent(j, e, true) == null ? e : null;
    } catch (IOException x) {
      return null;
    }
  }
}
