package dev.faultline.streams;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The topology: the process stage (logs.raw -> logs.processed + logs.dlq) and the aggregate stage (logs.processed ->
 * logs.aggregates) of pipeline/process and pipeline/aggregate, as two sub-topologies of one Kafka Streams app.
 */
final class Stages {
  private Stages() {}

  static final String INGESTED_AT = "faultline-ingested-at";
  static final String EVENT_ID = "faultline-event-id";
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  static final String DLQ_REASON = "faultline-dlq-reason";
  static final String DLQ_SOURCE = "faultline-dlq-source";
  static final String STORE = "faultline-windows";

  /** Input records the process sub-topology handled, and processed events the aggregate one applied (in memory, at-least-once). */
  static final LongAdder consumed = new LongAdder();
  static final LongAdder aggregated = new LongAdder();

  /** A record bound for logs.processed or logs.dlq: its bytes and the input partition it came from. */
  record Out(int partition, byte[] bytes, boolean ok) {}

  static final Serde<Out> OUT = Serdes.serdeFrom((topic, o) -> o == null ? null : o.bytes(), (topic, b) -> {
    throw new UnsupportedOperationException("Out is written only");
  });

  static Topology build(String input, String processed, String dlq, String aggregates) {
    StreamsBuilder b = new StreamsBuilder();

    // Sub-topology 1 (process): transform, then valid -> logs.processed, invalid -> logs.dlq with its reason.
    // The process stage also drops an id seen within 10 minutes (from memory, restored from its output). This app
    // does not de-duplicate: a state store per id would cost it a changelog write per event. It does less work than
    // ours there, which keeps the comparison from flattering ours; with unique ids the outputs are the same.
    KStream<byte[], Out> transformed = b.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(ProcessStage::new, Named.as("process"));
    // co-partitioned as ours: input partition p -> output partition p (no repartition before the aggregation)
    StreamPartitioner<byte[], Out> sameAsInput = (topic, key, value, n) -> value.partition() % n;
    transformed.split(Named.as("valid-"))
        .branch((k, v) -> v.ok(), Branched.withConsumer(s -> s.to(processed, Produced.with(Serdes.ByteArray(), OUT).withStreamPartitioner(sameAsInput)), "processed"))
        // the DLQ is partitioned by key as ours (its sends name no partition)
        .defaultBranch(Branched.withConsumer(s -> s.to(dlq, Produced.with(Serdes.ByteArray(), OUT)), "dlq"));

    // Sub-topology 2 (aggregate): per input partition, so no re-keying and no repartition topic: the store's key
    // holds the input partition, as aggregateKey does. A persistent store, changelogged and cached (the DSL's
    // defaults for an aggregation's store).
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
    // aggregates of input partition p -> partition p mod n, as ours
    StreamPartitioner<String, byte[]> byInputPartition = (topic, key, value, n) -> Integer.parseInt(key.substring(key.lastIndexOf('|') + 1)) % n;
    b.stream(processed, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(AggregateStage::new, Named.as("aggregate"), STORE)
        .to(aggregates, Produced.with(Serdes.String(), Serdes.ByteArray()).withStreamPartitioner(byInputPartition));
    return b.build();
  }

  /** The first value of a header (headerString), null when absent or empty (the TS stage skips an empty one). */
  static String header(Headers h, String name) {
    Iterator<Header> it = h.headers(name).iterator();
    if (!it.hasNext()) return null;
    byte[] v = it.next().value();
    return v == null || v.length == 0 ? null : new String(v, StandardCharsets.UTF_8);
  }

  static final class ProcessStage implements Processor<byte[], byte[], byte[], Out> {
    private ProcessorContext<byte[], Out> context;

    @Override
    public void init(ProcessorContext<byte[], Out> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
      RecordMetadata m = context.recordMetadata().orElseThrow();
      // the headers the TS stage carries over to its outputs, and no others
      Headers out = new RecordHeaders();
      String ingestedAt = null;
      for (String name : new String[] {EVENT_ID, TRACEPARENT, TRACESTATE, INGESTED_AT}) {
        String v = header(r.headers(), name);
        if (v == null) continue;
        out.add(name, v.getBytes(StandardCharsets.UTF_8));
        if (name.equals(INGESTED_AT)) ingestedAt = v;
      }
      String processedAt = Events.iso(Instant.now().toEpochMilli());
      Events.Transformed t = Events.transform(r.value(), m.partition(), m.offset(), ingestedAt, processedAt);
      consumed.increment();
      if (t.ok()) {
        context.forward(new Record<>(t.id().getBytes(StandardCharsets.UTF_8), new Out(m.partition(), t.json(), true), r.timestamp(), out));
      } else {
        out.add(DLQ_REASON, t.reason().getBytes(StandardCharsets.UTF_8));
        out.add(DLQ_SOURCE, (m.topic() + "/" + m.partition() + "/" + m.offset()).getBytes(StandardCharsets.UTF_8));
        byte[] value = r.value() == null ? new byte[0] : r.value();
        context.forward(new Record<>(r.key(), new Out(m.partition(), value, false), r.timestamp(), out));
      }
    }
  }

  /**
   * Updates the window of each processed event in the store. With the store's cache on, the updated aggregates go
   * downstream when the cache flushes (on commit, or on eviction), once per key, as a DSL aggregation's do: that takes
   * the cache's flush listener, which Kafka Streams has no public API for; the DSL's own processors (KStreamAggregate
   * through TimestampedTupleForwarder) register it the same way. Without a cache every update is forwarded.
   */
  static final class AggregateStage implements Processor<byte[], byte[], String, byte[]> {
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private boolean cached;

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
      InternalProcessorContext<String, byte[]> internal = (InternalProcessorContext<String, byte[]>) context;
      ProcessorNode<?, ?, ?, ?> self = internal.currentNode();
      CacheFlushListener<String, byte[]> listener = rec -> {
        if (rec.value().newValue == null) return;
        ProcessorNode<?, ?, ?, ?> prev = internal.currentNode();
        internal.setCurrentNode(self);
        try {
          internal.forward(new Record<>(rec.key(), rec.value().newValue, rec.timestamp(), traceOnly(rec.headers())));
        } finally {
          internal.setCurrentNode(prev);
        }
      };
      cached = ((WrappedStateStore) store).setFlushListener(listener, false);
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
      // logs.processed holds only what the process stage validated; anything else is skipped, as ours does
      Events.Event e = Events.parseProcessed(r.value());
      if (e == null) return;
      Long at = Events.epochMillis(e.timestamp);
      // a timestamp the schema accepts but Date.parse cannot read (an offset past 23:59): ours throws on it (a
      // poison batch); skipped here
      if (at == null) return;
      RecordMetadata m = context.recordMetadata().orElseThrow();
      long start = WindowAggregate.windowStartOf(at);
      String startIso = Events.iso(start);
      String key = WindowAggregate.key(startIso, e.service, e.level, m.partition());
      byte[] current = store.get(key);
      WindowAggregate a = current == null ? WindowAggregate.empty(start, e.service, e.level, m.partition()) : WindowAggregate.fromJson(current);
      a.add(e.latencyMs);
      a.lastInputOffset = Long.toString(m.offset());
      byte[] json = a.toJson();
      store.put(key, json);
      aggregated.increment();
      if (!cached) context.forward(new Record<>(key, json, r.timestamp(), traceOnly(r.headers())));
    }

    /** An aggregate carries the traceparent of an event in it, and no other header (as ours). */
    private static Headers traceOnly(Headers h) {
      Headers out = new RecordHeaders();
      String tp = h == null ? null : header(h, TRACEPARENT);
      if (tp != null) out.add(TRACEPARENT, tp.getBytes(StandardCharsets.UTF_8));
      return out;
    }
  }
}
