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
    const bad = status();
    (bad.tenant as Record<string, unknown>).spentGramsCo2 = 'lots';
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(bad))).field).toBe('tenant-status.tenant.spentGramsCo2');
    expect(refusal(() => parseCoordinatorTenantMessage(JSON.stringify(status(Array.from({ length: MAX_TENANT_RUNS + 1 }, () => run))))).field).toBe('tenant-status.runs');
  });
});
