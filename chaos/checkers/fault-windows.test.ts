import type { Op } from '../core/types.js';
import { activeFaults, faultWindows } from './fault-windows.js';
import { historyBuilder } from './test-fixtures.js';

const nem = (type: Op['type'], f: 'start' | 'stop', fault: string, targets: string[], time: number): Op => ({ process: 'nemesis', type, f, value: { fault, targets }, time });

describe('fault windows', () => {
  test('a stop closes the earliest open start of the same fault and targets', () => {
    const h = historyBuilder().fault('broker-kill', ['broker-b'], 10, 50).fault('broker-pause', ['broker-a'], 20, 30);
    h.raw(nem('info', 'start', 'broker-kill', ['broker-b'], 60)).raw(nem('info', 'start', 'broker-kill', ['broker-b'], 70)).raw(nem('info', 'stop', 'broker-kill', ['broker-b'], 80));
    expect(faultWindows(h.ops)).toEqual([
      { fault: 'broker-kill', targets: ['broker-b'], start: 10, end: 50 },
      { fault: 'broker-pause', targets: ['broker-a'], start: 20, end: 30 },
      { fault: 'broker-kill', targets: ['broker-b'], start: 60, end: 80 },
      { fault: 'broker-kill', targets: ['broker-b'], start: 70 },
    ]);
  });

  test('invoke + completion pairs give one window, from the start invoke to the stop completion', () => {
    const ops = [
      nem('invoke', 'start', 'zone-partition', ['zone-a -> zone-b'], 100),
      nem('info', 'start', 'zone-partition', ['zone-a -> zone-b'], 105),
      nem('invoke', 'stop', 'zone-partition', ['zone-a -> zone-b'], 200),
      nem('info', 'stop', 'zone-partition', ['zone-a -> zone-b'], 230),
    ];
    expect(faultWindows(ops)).toEqual([{ fault: 'zone-partition', targets: ['zone-a -> zone-b'], start: 100, end: 230 }]);
  });

  test('a start invoked without targets (the nemesis picks them while starting) is one window named by its completion', () => {
    const ops = [
      nem('invoke', 'start', 'broker-kill', [], 100),
      nem('ok', 'start', 'broker-kill', ['broker-a'], 101),
      nem('invoke', 'stop', 'broker-kill', ['broker-a'], 200),
      nem('ok', 'stop', 'broker-kill', ['broker-a'], 240),
    ];
    expect(faultWindows(ops)).toEqual([{ fault: 'broker-kill', targets: ['broker-a'], start: 100, end: 240 }]);
  });

  test('a stop without targets closes the earliest open start of that fault; a stop with no start is ignored', () => {
    const ops = [nem('info', 'stop', 'latency', [], 5), nem('info', 'start', 'latency', ['broker-c'], 10), nem('info', 'stop', 'latency', [], 20)];
    expect(faultWindows(ops)).toEqual([{ fault: 'latency', targets: ['broker-c'], start: 10, end: 20 }]);
  });

  test('active faults are labelled by fault and targets, ends included, unstopped faults never end', () => {
    const w = faultWindows(historyBuilder().fault('broker-kill', ['broker-b'], 10, 50).fault('zone-kill', ['zone-c'], 40).ops);
    expect(activeFaults(w, 5)).toEqual([]);
    expect(activeFaults(w, 10)).toEqual(['broker-kill broker-b']);
    expect(activeFaults(w, 45)).toEqual(['broker-kill broker-b', 'zone-kill zone-c']);
    expect(activeFaults(w, 51)).toEqual(['zone-kill zone-c']);
    expect(activeFaults(w, 1e9)).toEqual(['zone-kill zone-c']);
  });

  test('client ops are not faults', () => {
    expect(faultWindows(historyBuilder().write(1, ['a'], 0, 'ok').ops)).toEqual([]);
  });
});

test('a fault still held (started, not yet stopped) is an open window, not one that ended when its start completed', () => {
  const v = { fault: 'broker-kill', targets: ['broker-b'] };
  const ops = [
    { process: 'nemesis', type: 'invoke', f: 'start', value: v, time: 5000 },
    { process: 'nemesis', type: 'ok', f: 'start', value: v, time: 5200 },
  ] as Parameters<typeof faultWindows>[0];
  expect(faultWindows(ops)).toEqual([{ fault: 'broker-kill', targets: ['broker-b'], start: 5000 }]);
  const stopped = [...ops, { process: 'nemesis', type: 'invoke', f: 'stop', value: v, time: 30_000 }, { process: 'nemesis', type: 'ok', f: 'stop', value: v, time: 31_000 }] as typeof ops;
  expect(faultWindows(stopped)).toEqual([{ fault: 'broker-kill', targets: ['broker-b'], start: 5000, end: 31_000 }]);
});
