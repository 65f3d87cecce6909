import type { CheckResult, Validity } from '../core/types.js';
import { compose } from './compose.js';

const r = (name: string, valid: Validity): CheckResult => ({ name, property: '', valid, summary: '', stats: {}, counterexamples: [] });

describe('compose', () => {
  test('all true is true', () => {
    expect(compose([r('a', true), r('b', true)])).toEqual({ valid: true, summary: 'all 2 checks passed' });
  });

  test('any unknown without a false is unknown', () => {
    expect(compose([r('a', true), r('b', 'unknown')])).toEqual({ valid: 'unknown', summary: '1 of 2 checks passed; unknown: b' });
  });

  test('any false is false, whatever else is unknown', () => {
    expect(compose([r('a', 'unknown'), r('b', false), r('c', true), r('d', false)])).toEqual({ valid: false, summary: '2 of 4 checks failed: b, d; unknown: a' });
  });

  test('no checks prove nothing', () => {
    expect(compose([]).valid).toBe('unknown');
  });
});
