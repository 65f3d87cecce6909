import { History } from './history.js';
import { recoveryTail, sinceLastHeal } from './recovery-tail.js';
import type { Op } from './types.js';

const op = (time: number, process: Op['process'], f: string, type: Op['type']): Op => ({ time, process, f, type, value: {} });

test('the last heal is the last ended undo, and the first write after it is the first acknowledged one', () => {
  const ops = [
    op(1000, 'nemesis', 'start', 'ok'),
    op(2000, 0, 'write', 'ok'),
    op(5000, 'nemesis', 'stop', 'invoke'),
    op(5200, 'nemesis', 'stop', 'ok'),
    op(5300, 0, 'write', 'invoke'),
    op(6000, 1, 'write', 'fail'),
    op(7000, 0, 'write', 'ok'),
  ];
  expect(sinceLastHeal(ops)).toEqual({ lastHealMs: 5200, firstWriteMs: 7000 });
  expect(sinceLastHeal(ops.slice(0, 6))).toEqual({ lastHealMs: 5200, firstWriteMs: undefined });
  // an undo that failed still ends the fault's window
  expect(sinceLastHeal([op(1000, 'nemesis', 'stop', 'info')]).lastHealMs).toBe(1000);
  expect(sinceLastHeal([op(1000, 0, 'write', 'ok')])).toEqual({});
});

describe('recoveryTail', () => {
  const run = (ops: Omit<Op, 'time'>[], durationMs: number, recoveryMs: number, later?: (h: History) => void) => {
    const h = new History();
    for (const o of ops) h.record({ ...o, time: 0 });
    if (later) setTimeout(() => later(h), 150);
    const lines: string[] = [];
    return recoveryTail(h, durationMs, recoveryMs, new AbortController().signal, (l) => lines.push(l)).then((note) => ({ note, ended: h.now(), lines }));
  };

  test('no fault: the load ends at its duration, with no note', async () => {
    const r = await run([], 50, 5000);
    expect(r.note).toBeUndefined();
    expect(r.ended).toBeLessThan(1000);
  });

  test('a write after the heal: no extension', async () => {
    const h = new History();
    h.record({ process: 'nemesis', f: 'stop', type: 'ok', value: {}, time: 0 });
    h.record({ process: 0, f: 'write', type: 'ok', value: {}, time: 1 });
    expect(await recoveryTail(h, 50, 5000, new AbortController().signal, () => undefined)).toBeUndefined();
  });

  test('no write since the heal: the load goes on until one is acknowledged', async () => {
    const r = await run([{ process: 'nemesis', f: 'stop', type: 'ok', value: {} }], 20, 5000, (h) => h.record({ process: 0, f: 'write', type: 'ok', value: {} }));
    expect(r.note).toMatch(/past its .* a write was acknowledged at t=/);
    expect(r.ended).toBeGreaterThanOrEqual(150);
    expect(r.ended).toBeLessThan(2000);
  });

  test('none comes back: the load ends the recovery bound after the heal, and says so', async () => {
    const r = await run([{ process: 'nemesis', f: 'stop', type: 'ok', value: {} }], 20, 400);
    expect(r.note).toMatch(/none was acknowledged within/);
    expect(r.ended).toBeGreaterThanOrEqual(380);
    expect(r.ended).toBeLessThan(3000);
  });
});
