import type { ChaosContext } from './context.js';
import { seeded } from './context.js';
import { History } from './history.js';
import { runNemesis, type Fault } from './nemesis.js';
import type { FaultValue } from './types.js';

function fakeContext(): ChaosContext {
  return { runId: 'test', topology: undefined as never, provider: undefined as never, history: new History(), rng: seeded(1), log: () => {}, topics: [], groups: [], owned: [], notes: [] };
}

/** A fault that only counts: what is in place right now, and how often it was undone. */
function counting(name: string, opts: { failUndo?: boolean; failStart?: boolean } = {}) {
  const state = { active: 0, injected: 0, undone: 0 };
  const fault: Fault = {
    name,
    description: 'test fault',
    async inject() {
      if (opts.failStart) throw new Error('cannot start');
      state.active++;
      state.injected++;
      return {
        targets: [`${name}-target`],
        async undo() {
          state.undone++;
          state.active--;
          if (opts.failUndo) throw new Error('undo failed');
        },
      };
    },
  };
  return { fault, state };
}

test('every fault a schedule injects is undone, within the load and before its tail, and recorded as start/stop', async () => {
  const ctx = fakeContext();
  const { fault, state } = counting('x');
  const t0 = Date.now();
  const n = await runNemesis(ctx, [fault], { kind: 'every', firstMs: 50, everyMs: 300, holdMs: 100 }, 1500, new AbortController().signal, 300);
  expect(n).toBeGreaterThanOrEqual(2);
  expect(state).toEqual({ active: 0, injected: n, undone: n });
  const stops = ctx.history.ops.filter((o) => o.f === 'stop' && o.type === 'ok');
  expect(stops).toHaveLength(n);
  expect(Math.max(...stops.map((o) => o.time))).toBeLessThan(1500 - 300 + 500);
  expect((stops[0]!.value as FaultValue).targets).toEqual(['x-target']);
  expect(Date.now() - t0).toBeLessThan(10_000);
});

test('an abort during the hold still undoes the fault at once', async () => {
  const ctx = fakeContext();
  const { fault, state } = counting('y');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = Date.now();
  await runNemesis(ctx, [fault], { kind: 'once', atMs: 10, holdMs: 10_000 }, 60_000, ac.signal, 1000);
  expect(state).toEqual({ active: 0, injected: 1, undone: 1 });
  // far less than the 10 s hold: the abort ended it
  expect(Date.now() - t0).toBeLessThan(5000);
});

test('a failed undo is recorded as info (the final phase heals); a failed start as fail, with nothing to undo', async () => {
  const ctx = fakeContext();
  const bad = counting('z', { failUndo: true });
  await runNemesis(ctx, [bad.fault], { kind: 'once', atMs: 0, holdMs: 50 }, 2000, new AbortController().signal, 100);
  expect(ctx.history.ops.find((o) => o.f === 'stop' && o.type === 'info')?.error).toBe('undo failed');
  const never = counting('w', { failStart: true });
  await runNemesis(ctx, [never.fault], { kind: 'once', atMs: 0, holdMs: 50 }, 2000, new AbortController().signal, 100);
  expect(ctx.history.ops.find((o) => o.f === 'start' && o.type === 'fail')?.error).toBe('cannot start');
  expect(never.state.undone).toBe(0);
});

test('a random schedule picks faults and holds from the seed: the same seed, the same sequence', async () => {
  const seq = async () => {
    const ctx = fakeContext();
    const a = counting('a');
    const b = counting('b');
    await runNemesis(ctx, [a.fault, b.fault], { kind: 'random', firstMs: 0, minGapMs: 10, maxGapMs: 40, minHoldMs: 10, maxHoldMs: 40 }, 800, new AbortController().signal, 100);
    return ctx.history.ops.filter((o) => o.f === 'start' && o.type === 'ok').map((o) => (o.value as FaultValue).fault);
  };
  const first = await seq();
  const second = await seq();
  expect(first.length).toBeGreaterThan(3);
  // how many fit in the time depends on the machine; which ones, in which order, only on the seed
  const n = Math.min(first.length, second.length);
  expect(second.slice(0, n)).toEqual(first.slice(0, n));
});

test("a fault's settle runs after its window has ended, and the next fault waits for it; a failed settle does not stop the schedule", async () => {
  const ctx = fakeContext();
  const events: string[] = [];
  let n = 0;
  const fault: Fault = {
    name: 'z',
    description: 'test fault',
    async inject() {
      const i = n++;
      events.push(`inject ${i}`);
      return {
        targets: ['t'],
        undo: async () => void events.push(`undo ${i}`),
        settle: async () => {
          // the window's end is in the history before settling starts
          events.push(`settle ${i} after ${ctx.history.ops.filter((o) => o.f === 'stop' && o.type === 'ok').length} stops`);
          await new Promise((r) => setTimeout(r, 200));
          if (i === 0) throw new Error('not back in time');
        },
      };
    },
  };
  await runNemesis(ctx, [fault], { kind: 'every', firstMs: 10, everyMs: 60, holdMs: 20 }, 1200, new AbortController().signal, 300);
  expect(events.slice(0, 6)).toEqual(['inject 0', 'undo 0', 'settle 0 after 1 stops', 'inject 1', 'undo 1', 'settle 1 after 2 stops']);
});
