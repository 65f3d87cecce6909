import { UsageError, parseDuration, parseNumber } from './args.js';

describe('parseDuration', () => {
  test.each([
    ['90', 90],
    ['90s', 90],
    ['2m', 120],
    ['1.5m', 90],
    ['1m30s', 90],
    ['1h', 3600],
    ['500ms', 0.5],
    [' 45 ', 45],
  ])('%s is %d s', (v, s) => expect(parseDuration('duration', v)).toBe(s));

  test('absent is undefined', () => expect(parseDuration('duration', undefined)).toBeUndefined());

  test.each(['', '0', '0s', '-5', 'abc', '5 m', '5x', 'm', '1m 30s', 'NaN', 'Infinity'])('%j is refused, naming the flag', (v) => {
    expect(() => parseDuration('duration', v)).toThrow(UsageError);
    expect(() => parseDuration('duration', v)).toThrow(/^--duration must be a duration above 0/);
  });

  test('bounds are in seconds whatever the unit', () => {
    expect(parseDuration('duration', '1m', { minS: 5, maxS: 3600 })).toBe(60);
    expect(() => parseDuration('duration', '2h', { minS: 5, maxS: 3600 })).toThrow('--duration must be a duration from 5 s to 3600 s (90, 90s, 2m, 1m30s), not "2h"');
    expect(() => parseDuration('warmup', '4s', { minS: 5 })).toThrow('--warmup must be a duration of at least 5 s (90, 90s, 2m, 1m30s), not "4s"');
    expect(() => parseDuration('duration', '0', { maxS: 60 })).toThrow('--duration must be a duration above 0 and at most 60 s');
    expect(parseDuration('warmup', '0', { minS: 0 })).toBe(0);
  });
});

describe('parseNumber', () => {
  test('whole numbers above 0 by default', () => {
    expect(parseNumber('rate', '400')).toBe(400);
    expect(parseNumber('rate', undefined)).toBeUndefined();
    for (const v of ['0', '-1', '1.5', 'x', '', '1e400']) expect(() => parseNumber('rate', v)).toThrow(new UsageError(`--rate must be a whole number above 0, not ${JSON.stringify(v)}`));
  });
  test('ranges and fractions when asked', () => {
    expect(parseNumber('reps', '20', { max: 20 })).toBe(20);
    expect(() => parseNumber('reps', '21', { max: 20 })).toThrow('--reps must be a whole number from 1 to 20, not "21"');
    expect(parseNumber('seed', '0', { min: 0 })).toBe(0);
    expect(parseNumber('ratio', '0.5', { integer: false, min: 0, max: 1 })).toBe(0.5);
  });
});
