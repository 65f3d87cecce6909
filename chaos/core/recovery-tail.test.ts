import { History } from './history.js';
import { recoveryTail, sinceLastHeal, TAIL_MARGIN_MS } from './recovery-tail.js';
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

  test('a write after the heal: no extension, the load ends at its planned end', async () => {
    const h = new History();
    h.record({ process: 'nemesis', f: 'stop', type: 'ok', value: {}, time: 0 });
    h.record({ process: 0, f: 'write', type: 'ok', value: {}, time: 1 });
    expect(await recoveryTail(h, 50, 5000, new AbortController().signal, () => undefined)).toBeUndefined();
    expect(h.now()).toBeLessThan(1000);
  });

  test('the bound counts from the last heal, not from the planned end', async () => {
    // healed at t=0, planned end t=300, bound 400: the tail ends near 400 + margin, not 700 + margin
    const r = await run([{ process: 'nemesis', f: 'stop', type: 'ok', value: {} }], 300, 400);
    expect(r.ended).toBeGreaterThanOrEqual(400 + TAIL_MARGIN_MS - 20);
    expect(r.ended).toBeLessThan(700 + TAIL_MARGIN_MS - 50);
  });

  test('a load that ends first ends the tail, and the note says so', async () => {
    const h = new History();
    h.record({ process: 'nemesis', f: 'stop', type: 'ok', value: {}, time: 0 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const note = await recoveryTail(h, 20, 10_000, ac.signal, () => undefined);
    expect(note).toMatch(/the load ended first/);
    expect(h.now()).toBeLessThan(3000);
  });

  test('a heal already a bound in the past: nothing to wait for', async () => {
    const h = new History();
    h.record({ process: 'nemesis', f: 'stop', type: 'ok', value: {}, time: -5000 });
    expect(await recoveryTail(h, 0, 10, new AbortController().signal, () => undefined)).toBeUndefined();
    expect(h.now()).toBeLessThan(1000);
  });

  test('no write since the heal: the load goes on until one is acknowledged', async () => {
    const r = await run([{ process: 'nemesis', f: 'stop', type: 'ok', value: {} }], 20, 5000, (h) => h.record({ process: 0, f: 'write', type: 'ok', value: {} }));
    expect(r.note).toMatch(/past its .* a write was acknowledged at t=/);
    expect(r.ended).toBeGreaterThanOrEqual(150);
    expect(r.ended).toBeLessThan(2000);
  });

  test('none comes back: the load ends the recovery bound after the heal, and says so', async () => {
    const r = await run([{ process: 'nemesis', f: 'stop', type: 'ok', value: {} }], 20, 400);
    expect(r.note).toMatch(/none was acknowledged by t=.*the recovery bound/);
    expect(r.ended).toBeGreaterThanOrEqual(400 + TAIL_MARGIN_MS - 20);
    expect(r.ended).toBeLessThan(5000);
  });
});
