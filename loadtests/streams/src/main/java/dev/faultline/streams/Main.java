package dev.faultline.streams;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The Kafka Streams reference of `just bench`: the pipeline's process and aggregate stages as one Kafka Streams app,
 * exactly_once_v2. Prints a JSON progress line a second, exits when its committed offsets cover the input and all of
 * logs.processed it wrote, or at its timeout (non-zero).
 *
 * <p>Args: bootstrap input processed dlq aggregates applicationId commitIntervalMs threads expectedInputs stateDir
 * timeoutMs.
 */
public final class Main {
  private Main() {}

  private static volatile long committedInput, committedProcessed;

  public static void main(String[] args) throws Exception {
    // slf4j-simple: Kafka's warnings and errors to stderr, before any logger exists
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    if (args.length != 11) {
      System.err.println("usage: Main bootstrap input processed dlq aggregates applicationId commitIntervalMs threads expectedInputs stateDir timeoutMs");
      System.exit(64);
    }
    String bootstrap = args[0], input = args[1], processed = args[2], dlq = args[3], aggregates = args[4], appId = args[5];
    long commitIntervalMs = Long.parseLong(args[6]);
    int threads = Integer.parseInt(args[7]);
    long expectedInputs = Long.parseLong(args[8]);
    String stateDir = args[9];
    long timeoutMs = Long.parseLong(args[10]);
    long t0 = System.currentTimeMillis();

    // Every setting changed from Kafka Streams' defaults (all others are its defaults, e.g. the 10 MB state store
    // cache, RocksDB stores, max.poll.records 1000):
    //   processing.guarantee   exactly_once_v2 (default at_least_once)
    //   commit.interval.ms     as given (the EOS default is 100, as our stages' default; the bench passes both the same)
    //   num.stream.threads     as given (default 1)
    //   replication.factor     3 for internal topics (default -1: the broker's default; the cluster is 3 brokers, min ISR 2)
    //   state.dir              a temporary directory of the runner's (default /tmp/kafka-streams)
    //   producer compression.type lz4 (default none), linger.ms 5 (Streams' default 100), batch.size 262144 (default 16384)
    //   consumer auto.offset.reset earliest (Streams' default already)
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 262144);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    AtomicReference<Throwable> failure = new AtomicReference<>();
    KafkaStreams streams = new KafkaStreams(Stages.build(input, processed, dlq, aggregates), p);
    streams.setUncaughtExceptionHandler(e -> {
      failure.compareAndSet(null, e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });

    Map<String, Object> ac = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    Map<String, Object> cc = new HashMap<>(ac);
    cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    cc.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    int exit = 3;
    String why = "not started";
    try (Admin admin = Admin.create(ac);
        KafkaConsumer<byte[], byte[]> checker = new KafkaConsumer<>(cc, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      streams.start();
      long deadline = t0 + timeoutMs;
      long nextLine = 0;
      boolean inputDone = false, done = false;
      while (true) {
        long now = System.currentTimeMillis();
        try {
          Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
          committedInput = sum(committed, input);
          committedProcessed = sum(committed, processed);
          inputDone = committedInput >= expectedInputs;
          // processed is complete when no committed record of it lies past the group's offsets (a read_committed
          // read from them finds none): its transaction markers, and Streams' not committing a position that only
          // moved past a marker, keep a plain comparison with its end offsets from ever holding
          if (inputDone) done = nothingPast(checker, processed, committed);
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
          // a slow or failed look-up: tried again in 500 ms, within the deadline
          System.err.println("offsets look-up: " + e);
        }
        if (now >= nextLine || done) {
          progress(now, t0);
          nextLine = now + 1000;
        }
        if (done) {
          why = null;
          exit = 0;
          break;
        }
        if (failure.get() != null || streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.PENDING_ERROR) {
          why = "streams failed: " + (failure.get() == null ? streams.state() : failure.get());
          exit = 1;
          break;
        }
        if (now >= deadline) {
          why = "timeout after " + timeoutMs + " ms: committed " + committedInput + " of " + expectedInputs + " input records"
              + (inputDone ? "; logs.processed not committed to its end (" + committedProcessed + " offsets)" : "");
          exit = 2;
          break;
        }
        Thread.sleep(500);
      }
    } catch (Throwable e) {
      // anything else (a failed check read, an interrupt): said, and Streams is still closed below, so its threads
      // do not keep the JVM alive until the runner's kill
      why = "the completion check failed: " + e;
      exit = 3;
    }
    long closing = System.currentTimeMillis();
    boolean closed = streams.close(Duration.ofSeconds(60));
    long end = System.currentTimeMillis();
    StringBuilder last = new StringBuilder("{");
    last.append(exit == 0 ? "\"done\":true" : "\"done\":false,\"error\":" + quote(why));
    last.append(",\"t\":").append(end).append(",\"closed\":").append(closed).append(",\"closeMs\":").append(end - closing);
    last.append(",\"consumed\":").append(Stages.consumed.sum()).append(",\"aggregated\":").append(Stages.aggregated.sum());
    last.append(",\"committedInput\":").append(committedInput).append(",\"committedProcessed\":").append(committedProcessed);
    last.append(",\"cpuMs\":").append(cpuMs()).append(",\"wallMs\":").append(end - t0).append('}');
    System.out.println(last);
    System.out.flush();
    System.exit(exit);
  }

  private static void progress(long now, long t0) {
    System.out.println("{\"t\":" + now + ",\"consumed\":" + Stages.consumed.sum() + ",\"aggregated\":" + Stages.aggregated.sum()
        + ",\"committedInput\":" + committedInput + ",\"committedProcessed\":" + committedProcessed + ",\"cpuMs\":" + cpuMs() + "}");
    System.out.flush();
  }

  private static long sum(Map<TopicPartition, OffsetAndMetadata> committed, String topic) {
    long s = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet())
      if (e.getKey().topic().equals(topic) && e.getValue() != null) s += e.getValue().offset();
    return s;
  }

  /** True when a read_committed read of `topic` from the group's committed offsets finds no record before the end. */
  private static boolean nothingPast(KafkaConsumer<byte[], byte[]> checker, String topic, Map<TopicPartition, OffsetAndMetadata> committed) {
    List<TopicPartition> tps = new ArrayList<>();
    List<PartitionInfo> parts = checker.partitionsFor(topic, Duration.ofSeconds(10));
    if (parts == null || parts.isEmpty()) return false;
    for (PartitionInfo pi : parts) tps.add(new TopicPartition(topic, pi.partition()));
    Map<TopicPartition, Long> ends = checker.endOffsets(tps, Duration.ofSeconds(10));
    Map<TopicPartition, Long> begins = checker.beginningOffsets(tps, Duration.ofSeconds(10));
    List<TopicPartition> behind = new ArrayList<>();
    Map<TopicPartition, Long> from = new HashMap<>();
    for (TopicPartition tp : tps) {
      OffsetAndMetadata c = committed.get(tp);
      long at = c == null ? begins.get(tp) : c.offset();
      if (at < ends.get(tp)) {
        behind.add(tp);
        from.put(tp, at);
      }
    }
    if (behind.isEmpty()) return true;
    checker.assign(behind);
    for (TopicPartition tp : behind) checker.seek(tp, from.get(tp));
    long until = System.currentTimeMillis() + 2000;
    while (System.currentTimeMillis() < until) {
      ConsumerRecords<byte[], byte[]> got = checker.poll(Duration.ofMillis(100));
      if (!got.isEmpty()) return false;
      boolean all = true;
      for (TopicPartition tp : behind) if (checker.position(tp, Duration.ofSeconds(5)) < ends.get(tp)) all = false;
      if (all) return true;
    }
    return false;
  }

  /** This JVM's CPU time (user + system, all threads), ms. */
  private static long cpuMs() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime() / 1_000_000;
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
