import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RULES_FILE, RULES_TEST_FILE, alertNames } from '../index.js';

// Debian's prometheus package installs it (just setup); PROMTOOL overrides.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const promtool = (...args: string[]) => execFileSync(PROMTOOL, args, { encoding: 'utf8', stdio: 'pipe' });

const EXPECTED = [
  'KafkaBrokerDown',
  'KafkaOfflinePartitions',
  'KafkaUnderReplicatedPartitions',
  'KafkaUnderMinIsr',
  'KafkaNoActiveController',
  'KafkaMultipleActiveControllers',
  'ZooKeeperQuorumLost',
  'ZooKeeperNodeDown',
  'ConsumerTimeLagHigh',
  'IngestErrorRate',
  'DlqGrowing',
  'TransactionAbortsSpiking',
];

describe('alert rules', () => {
  test('promtool check rules accepts the rule file', () => {
    expect(promtool('check', 'rules', RULES_FILE)).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('promtool test rules passes', () => {
    expect(promtool('test', 'rules', RULES_TEST_FILE)).toMatch(/SUCCESS/);
  });

  test('the unit tests fail when a rule is broken', () => {
    // Under-replication that needs more than 30 partitions: the 30-partition case must now fail.
    const dir = mkdtempSync(join(tmpdir(), 'faultline-rules-'));
    try {
      const rules = readFileSync(RULES_FILE, 'utf8');
      const broken = rules.replace('kafka_server_replicamanager_underreplicatedpartitions > 0', 'kafka_server_replicamanager_underreplicatedpartitions > 30');
      expect(broken).not.toBe(rules);
      writeFileSync(join(dir, 'rules.yml'), broken);
      copyFileSync(RULES_TEST_FILE, join(dir, 'rules.test.yml'));
      let out = '';
      try {
        promtool('test', 'rules', join(dir, 'rules.test.yml'));
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        expect(err.status).toBe(1);
        out = err.stdout + err.stderr;
      }
      expect(out).toMatch(/FAILED/);
      expect(out).toMatch(/alertname: KafkaUnderReplicatedPartitions/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every alert the design names is defined, and each is tested', () => {
    const names = alertNames();
    expect(names).toEqual(expect.arrayContaining(EXPECTED));
    const tests = readFileSync(RULES_TEST_FILE, 'utf8');
    for (const name of names) expect(tests).toMatch(new RegExp(`alertname: ${name}\\b`));
  });

  test('alertNames reads `- alert:` lines and lists each name once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-rules-'));
    try {
      const file = join(dir, 'r.yml');
      writeFileSync(file, 'groups:\n  - name: g\n    rules:\n      - record: a:b:c\n        expr: up\n      - alert: A\n        expr: up == 0\n      - alert: "B" # quoted\n        expr: up\n      - alert: A\n        expr: absent(up)\n');
      expect(alertNames(file)).toEqual(['A', 'B']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
