import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/protocol/bounds';
import {
  MAX_TENANT_RUNS,
  encodeTenantMessage,
  isTenantHello,
  parseCoordinatorTenantMessage,
  parseTenantMessage,
} from '../../../src/protocol/tenant-messages';

const nonce = 'A'.repeat(22);
const secret = 'abcdefghijklmnopqrstuv';

function refusal(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('accepted');
}

const status = (runs: unknown[] = []) => ({
  kind: 'tenant-status',
  tenant: { tenantId: 'grp00001', name: 'Group A', budgetGramsCo2: 1, spentGramsCo2: 0.2, reservedGramsCo2: 0.1, remainingGramsCo2: 0.7, overdraftGramsCo2: 0 },
  runs,
});
const run = { runId: 'grp00001-1', model: 'tinycnn', state: 'done', inferences: 6, completed: 6, measuredGramsCo2: 1e-6, message: null };

describe('tenant messages', () => {
  it('round-trips every kind, keeping only checked fields', () => {
    const hello = { kind: 'tenant-hello', protocolVersion: 1, tenantId: 'grp00001', nonce } as const;
    expect(parseTenantMessage(encodeTenantMessage(hello))).toEqual(hello);
    expect(parseTenantMessage(JSON.stringify({ kind: 'tenant-auth', secret, extra: 'x' }))).toEqual({ kind: 'tenant-auth', secret });
    expect(parseTenantMessage(JSON.stringify({ kind: 'tenant-submit', model: 'tinycnn', inferences: 6, tenantId: 'someone-else' }))).toEqual({ kind: 'tenant-submit', model: 'tinycnn', inferences: 6 });
    expect(parseCoordinatorTenantMessage(JSON.stringify(status([run])))).toEqual(status([run]));
    expect(parseCoordinatorTenantMessage(JSON.stringify({ kind: 'tenant-welcome', tenantId: 'grp00001', name: 'A', models: ['tinycnn'] }))).toEqual({ kind: 'tenant-welcome', tenantId: 'grp00001', name: 'A', models: ['tinycnn'] });
    expect(parseCoordinatorTenantMessage(JSON.stringify({ kind: 'reject', reason: 'wrong join token' }))).toEqual({ kind: 'tenant-reject', reason: 'wrong join token' });
    expect(isTenantHello(encodeTenantMessage(hello))).toBe(true);
    expect(isTenantHello('{"kind":"join"}')).toBe(false);
    expect(isTenantHello('not json')).toBe(false);
    expect(isTenantHello(new ArrayBuffer(4))).toBe(false);
  });

  it('bounds inferences to 1..10000 and names the field', () => {
    for (const bad of [0, 10_001, 2.5, -1]) {
      const error = refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-submit', model: 'tinycnn', inferences: bad })));
      expect(error.reason).toBe('out-of-range');
      expect(error.field).toBe('tenant-submit.inferences');
      expect(error.message).toBe(`tenant-submit.inferences ${bad} is outside 1..10000 (integer)`);
    }
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-submit', model: 'tinycnn', inferences: '6' }))).reason).toBe('malformed');
    expect(parseTenantMessage(JSON.stringify({ kind: 'tenant-submit', model: 'tinycnn', inferences: 10_000 }))).toMatchObject({ inferences: 10_000 });
  });

  it('caps strings and refuses malformed ids, secrets and nonces', () => {
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-submit', model: 'm'.repeat(65), inferences: 1 }))).field).toBe('tenant-submit.model');
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-submit', model: '', inferences: 1 }))).field).toBe('tenant-submit.model');
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-hello', protocolVersion: 1, tenantId: 'UPPER', nonce }))).field).toBe('tenant-hello.tenantId');
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-hello', protocolVersion: 1, tenantId: 'grp00001', nonce: 'short' }))).field).toBe('tenant-hello.nonce');
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'tenant-auth', secret: `${secret}x` }))).field).toBe('tenant-auth.secret');
    expect(refusal(() => parseTenantMessage(JSON.stringify({ kind: 'join' }))).reason).toBe('unknown-kind');
    expect(refusal(() => parseTenantMessage('x'.repeat(70_000))).reason).toBe('too-long');
    expect(refusal(() => parseTenantMessage('[1]')).reason).toBe('not-json');
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify({ kind: 'tenant-reject', reason: 'r'.repeat(501) }))).field).toBe('tenant-reject.reason');
  });

  it('bounds the status a tenant page accepts: grams, run states, list length', () => {
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status([{ ...run, state: 'exploded' }])))).field).toBe('tenant-status.runs[0].state');
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status([{ ...run, completed: 7 }])))).message).toBe('tenant-status.runs[0].completed 7 is outside 0..6 (integer)');
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status([{ ...run, measuredGramsCo2: -1 }])))).reason).toBe('out-of-range');
    // The planned grams per inference: kept when given, optional, bounded like the measured.
    expect((parseCoordinatorTenantMessage(JSON.stringify(status([{ ...run, predictedGramsPerInference: 2e-7 }]))) as unknown as { runs: { predictedGramsPerInference?: number }[] }).runs[0]!.predictedGramsPerInference).toBe(2e-7);
    expect("predictedGramsPerInference" in (parseCoordinatorTenantMessage(JSON.stringify(status([run]))) as unknown as { runs: object[] }).runs[0]!).toBe(false);
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status([{ ...run, predictedGramsPerInference: -1 }])))).field).toBe('tenant-status.runs[0].predictedGramsPerInference');
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status([{ ...run, predictedGramsPerInference: 'cheap' }])))).message).toBe('tenant-status.runs[0].predictedGramsPerInference must be a finite number');
    const bad = status();
    (bad.tenant as Record<string, unknown>).spentGramsCo2 = 'lots';
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(bad))).field).toBe('tenant-status.tenant.spentGramsCo2');
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status(Array.from({ length: MAX_TENANT_RUNS + 1 }, () => run))))).field).toBe('tenant-status.runs');
  });
  it('5,000 mutated tenant messages: 0 crashes, accepted numbers within bounds, strings capped, no unchecked field', () => {
    let seed = 20261203;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const int = (n: number) => Math.floor(random() * n);
    const nasty: unknown[] = [1e300, -1, 0, 0.5, 10_001, 2 ** 53, null, true, '', 'x'.repeat(600), [], {}, '__proto__', 'tenant-submit'];
    const templates: Array<{ to: 'coordinator' | 'tenant'; m: Record<string, unknown> }> = [
      { to: 'coordinator', m: { kind: 'tenant-hello', protocolVersion: 1, tenantId: 'grp00001', nonce } },
      { to: 'coordinator', m: { kind: 'tenant-auth', secret } },
      { to: 'coordinator', m: { kind: 'tenant-submit', model: 'tinycnn', inferences: 6 } },
      { to: 'tenant', m: { kind: 'tenant-welcome', tenantId: 'grp00001', name: 'A', models: ['tinycnn'] } },
      { to: 'tenant', m: { kind: 'tenant-error', message: 'no' } },
      { to: 'tenant', m: status([run, { ...run, runId: 'grp00001-2', state: 'stopped', completed: 3, message: 'stopped: budget exhausted' }]) as Record<string, unknown> },
    ];
    const paths = (v: unknown, prefix: string[] = []): string[][] =>
      typeof v === 'object' && v !== null ? Object.entries(v).flatMap(([k, c]) => [[...prefix, k], ...paths(c, [...prefix, k])]) : [];
    const problems: string[] = [];
    const check = (value: unknown, key = ''): void => {
      if (Array.isArray(value)) return value.forEach((v) => check(v, key));
      if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) {
          if (/^extra/.test(k)) problems.push('unchecked field');
          check(v, k);
        }
        return;
      }
      if (key === 'inferences' && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 10_000)) problems.push(`inferences ${String(value)}`);
      if (key === 'completed' && !(Number.isInteger(value) && (value as number) >= 0)) problems.push(`completed ${String(value)}`);
      if (/GramsCo2$/.test(key) && !(typeof value === 'number' && value >= 0 && value <= 1e9)) problems.push(`${key} ${String(value)}`);
      if (typeof value === 'string' && value.length > 500) problems.push(`${key} of ${value.length} chars`);
    };
    let crashes = 0;
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const t = templates[int(templates.length)]!;
      const m = structuredClone(t.m);
      const all = paths(m);
      for (let edits = 1 + int(3); edits > 0; edits--) {
        const path = all[int(all.length)]!;
        let parent = m as Record<string, unknown>;
        for (const key of path.slice(0, -1)) parent = (parent?.[key] ?? null) as Record<string, unknown>;
        if (typeof parent !== 'object' || parent === null) continue;
        const roll = random();
        if (roll < 0.6) parent[path.at(-1)!] = structuredClone(nasty[int(nasty.length)]);
        else if (roll < 0.8) delete parent[path.at(-1)!];
        else parent[`extra${int(3)}`] = 1e300;
      }
      try {
        const parsed = t.to === 'coordinator' ? parseTenantMessage(JSON.stringify(m)) : parseCoordinatorTenantMessage(JSON.stringify(m));
        accepted++;
        check(parsed);
      } catch (error) {
        if (!(error instanceof ProtocolError)) crashes++;
      }
    }
    expect(crashes).toBe(0);
    expect(problems.slice(0, 5)).toEqual([]);
    expect(accepted).toBeGreaterThan(100);
  });
});
