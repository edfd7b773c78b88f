import { describe, expect, it } from 'vitest';
import { AuditBook, AuditOptionsError, type SliceExecution } from '../../../src/trust/audit';
import { compareOutputs, compareTensor } from '../../../src/trust/compare-outputs';
import type { TensorData } from '../../../src/runtime/tensor';
import { seededRandom } from '../../../src/util/seeded-random';

const random = seededRandom(5);
const base = Float32Array.from({ length: 1000 }, () => (random() - 0.5) * 8);
const f32 = (data: Float32Array): TensorData => ({ dtype: 'float32', dims: [1, data.length], data });
const nudged = (rel: number) => f32(base.map((v, i) => v * (1 + rel * Math.sin(i))));

describe('compareOutputs', () => {
  it('accepts backend-sized differences and refuses noise, zeros, a constant pattern and 10% corrupted elements', () => {
    expect(compareTensor(f32(base), nudged(1e-3)).ok).toBe(true);
    expect(compareTensor(f32(base), f32(base.map((v) => Math.fround(v + 1e-4)))).ok).toBe(true);
    expect(compareTensor(f32(base), f32(base.map(() => (random() - 0.5) * 8))).ok).toBe(false);
    expect(compareTensor(f32(base), f32(new Float32Array(base.length))).ok).toBe(false);
    expect(compareTensor(f32(base), f32(base.map((_v, i) => (i % 2 ? 1 : -1)))).ok).toBe(false);
    const tenth = base.map((v, i) => (i % 10 === 0 ? v + 3 : v));
    const c = compareTensor(f32(base), f32(tenth));
    expect(c.ok).toBe(false);
    expect(c.outlierFraction).toBeCloseTo(0.1, 2);
    expect(c.reason).toMatch(/100 of 1000 elements outside tolerance/);
  });

  it('refuses other dtypes, dims or output names, and compares integers exactly', () => {
    expect(compareTensor(f32(base), { dtype: 'float64', dims: [1, 1000], data: Float64Array.from(base) }).reason).toMatch(/dtype float64/);
    expect(compareTensor(f32(base), { dtype: 'float32', dims: [1000, 1], data: base }).reason).toMatch(/dims 1000x1/);
    const ids = { dtype: 'int64', dims: [2], data: BigInt64Array.from([3n, 7n]) } as const;
    expect(compareTensor(ids, ids).ok).toBe(true);
    expect(compareTensor(ids, { ...ids, data: BigInt64Array.from([3n, 8n]) }).reason).toMatch(/1 of 2 int64 elements differ/);
    expect(compareOutputs({ a: f32(base) }, { b: f32(base) }).reason).toMatch(/outputs b, expected a/);
  });

  it('compares float16 by value, within half-float rounding', () => {
    const half = (values: number[]): TensorData => ({ dtype: 'float16', dims: [values.length], data: Uint16Array.from(values) });
    // 0x3c00 = 1.0, 0x3c01 = 1.000977 (one ulp), 0x4000 = 2.0
    expect(compareTensor(half([0x3c00, 0x4000]), half([0x3c01, 0x4000])).ok).toBe(true);
    expect(compareTensor(half([0x3c00, 0x4000]), half([0x4000, 0x4000])).ok).toBe(false);
  });
});

describe('AuditBook', () => {
  const ex = (host: string, data: Float32Array): SliceExecution => ({ host, outputs: { y: f32(data) } });
  const bad = base.map(() => 0);

  it('agrees on two honest executions, asks for a third on a mismatch, and strikes the odd one out', () => {
    const book = new AuditBook({ quarantineAfter: 2 });
    expect(book.judge([ex('a', base), ex('b', nudged(1e-3).data as Float32Array)])).toEqual({ kind: 'agree' });
    const first = book.judge([ex('a', base), ex('liar', bad)]);
    expect(first).toMatchObject({ kind: 'need-third', exclude: ['a', 'liar'] });
    expect(book.judge([ex('a', base), ex('liar', bad), ex('c', base)])).toMatchObject({ kind: 'attributed', culprit: 'liar', quarantined: false });
    expect(book.strikesOf('liar')).toBe(1);
    expect(book.strikesOf('a')).toBe(0);
    // A liar auditing an honest host is caught the same way.
    expect(book.judge([ex('b', base), ex('liar', bad), ex('c', base)])).toMatchObject({ kind: 'attributed', culprit: 'liar', quarantined: true });
    expect(book.quarantined).toEqual(['liar']);
    expect(book.stats).toMatchObject({ slicesJudged: 4, mismatches: 1, tiebreaks: 1, attributed: 2, quarantined: 1 });
  });

  it('marks the quarantined host\'s past and later results suspect, and only those', () => {
    const book = new AuditBook({ quarantineAfter: 1 });
    book.recordResult('r1', ['a', 'liar']);
    book.recordResult('r2', ['a', 'b']);
    book.judge([ex('a', base), ex('liar', bad), ex('c', base)]);
    book.recordResult('r3', ['liar']);
    expect([...book.suspects].sort()).toEqual(['r1', 'r3']);
    expect(book.isSuspect('r2')).toBe(false);
  });

  it('blames nobody when no two of three agree', () => {
    const book = new AuditBook();
    const other = base.map((v) => -v);
    expect(book.judge([ex('a', base), ex('b', bad), ex('c', other)])).toMatchObject({ kind: 'inconclusive' });
    expect(book.stats).toMatchObject({ inconclusive: 1, attributed: 0 });
  });

  it('chooses about `rate` of requests and refuses bad options', () => {
    const book = new AuditBook({ rate: 0.05, random: seededRandom(9) });
    let chosen = 0;
    for (let i = 0; i < 10_000; i++) if (book.shouldAudit()) chosen++;
    expect(chosen).toBeGreaterThan(400);
    expect(chosen).toBeLessThan(600);
    expect(new AuditBook({ rate: 0 }).shouldAudit()).toBe(false);
    expect(() => new AuditBook({ rate: 1.5 })).toThrow(AuditOptionsError);
    expect(() => new AuditBook({ quarantineAfter: 0 })).toThrow(/positive integer/);
    expect(() => new AuditBook().judge([ex('a', base)])).toThrow(/2 or 3 executions/);
    expect(() => new AuditBook().judge([ex('a', base), ex('a', base)])).toThrow(/distinct hosts/);
  });
});
