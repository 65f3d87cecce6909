import { z } from 'zod';
import { ConfigError, DEFAULT_BROKERS, brokerList, flag, port, readConfig } from './env.js';
import { readEnv } from '../ingest/config.js';
import { stageEnv } from '../eos/stage.js';
import { tracingEnv } from '../telemetry/tracing.js';

const spec = { brokers: ['KAFKA_BROKERS', brokerList], port: ['X_PORT', port(80)], on: ['X_ON', flag(false)], n: ['X_N', z.coerce.number().int().optional()] } as const;

describe('readConfig', () => {
  test('defaults when unset or empty', () => {
    expect(readConfig('x', spec, { X_PORT: '' })).toEqual({ brokers: DEFAULT_BROKERS.split(','), port: 80, on: false, n: undefined });
  });
  test('typed values', () => {
    expect(readConfig('x', spec, { KAFKA_BROKERS: 'a:1, b:2', X_PORT: '8080', X_ON: 'true', X_N: '7' })).toEqual({ brokers: ['a:1', 'b:2'], port: 8080, on: true, n: 7 });
  });
  test('every bad variable is named, with its value, in one error', () => {
    const bad = () => readConfig('x', spec, { X_PORT: '70000', X_ON: 'yes', X_N: 'seven', KAFKA_BROKERS: ',' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^x cannot start, its environment is invalid: KAFKA_BROKERS=",": names no broker; X_PORT="70000": .*; X_ON="yes": .*; X_N="seven": Expected number, received nan/);
  });
});

describe('each service reads its environment once, with the defaults it always had', () => {
  test('ingest', () => {
    expect(readEnv({})).toEqual({ host: '127.0.0.1', port: 8080, brokers: DEFAULT_BROKERS.split(','), zone: 'zone-a', topic: 'logs.raw', client: 'librdkafka', lingerMs: 20, maxPending: 50_000, deliveryTimeoutMs: 20_000 });
    expect(() => readEnv({ INGEST_PORT: 'http', INGEST_KAFKA_CLIENT: 'java' })).toThrow(/^ingest cannot start.*INGEST_PORT="http".*INGEST_KAFKA_CLIENT="java"/);
  });
  test('a stage', () => {
    expect(stageEnv('PROCESS', {})).toEqual({
      brokers: DEFAULT_BROKERS.split(','),
      zone: 'zone-a',
      exactlyOnce: true,
      restoreUnchecked: false,
      httpHost: '127.0.0.1',
      ...Object.fromEntries(['groupId', 'inputTopic', 'outputTopic', 'instanceId', 'dedupHorizonMs', 'commitIntervalMs', 'crashAfterBatches', 'failAfterBatches', 'failTimes', 'failPoint', 'restoreShortBy', 'dlqTopic', 'httpPort', 'parentPid'].map((k) => [k, undefined])),
    });
    // the EOS-off control: exactly-once off and de-duplication off (a horizon of 0)
    expect(stageEnv('PROCESS', { PROCESS_EXACTLY_ONCE: 'false', PROCESS_DEDUP_HORIZON_MS: '0' })).toMatchObject({ exactlyOnce: false, dedupHorizonMs: 0 });
    expect(stageEnv('AGGREGATE', { AGGREGATE_FAIL_POINT: 'before-transaction', AGGREGATE_RESTORE_SHORT_BY: '3', AGGREGATE_RESTORE_UNCHECKED: 'true', STAGE_HTTP_PORT: '9464' })).toMatchObject({ failPoint: 'before-transaction', restoreShortBy: 3, restoreUnchecked: true, httpPort: 9464 });
    // on a Kubernetes node without a zone label FAULTLINE_ZONE is '': no zone, not zone-a; STAGE_HTTP_PORT=0 is an ephemeral port
    expect(stageEnv('PROCESS', { FAULTLINE_ZONE: '', STAGE_HTTP_PORT: '0' })).toMatchObject({ zone: '', httpPort: 0 });
    expect(readEnv({ FAULTLINE_ZONE: '' }).zone).toBe('');
    // a typo no longer means "exactly-once on"
    expect(() => stageEnv('PROCESS', { PROCESS_EXACTLY_ONCE: 'flase' })).toThrow(/^process cannot start.*PROCESS_EXACTLY_ONCE="flase"/);
    expect(() => stageEnv('AGGREGATE', { AGGREGATE_COMMIT_INTERVAL_MS: '1s' })).toThrow(/AGGREGATE_COMMIT_INTERVAL_MS="1s"/);
  });
  test('tracing', () => {
    expect(tracingEnv('s', 'zone-a', {})).toEqual({ service: 's', zone: 'zone-a', endpoint: 'http://127.0.0.1:4318', ratio: 0.05 });
    expect(() => tracingEnv('s', 'zone-a', { FAULTLINE_TRACE_RATIO: '2' })).toThrow(/FAULTLINE_TRACE_RATIO="2"/);
    expect(tracingEnv('s', 'zone-a', { OTEL_EXPORTER_OTLP_ENDPOINT: '' }).endpoint).toBe('');
  });
});
