import { describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  encodeMessage,
  parseCoordinatorMessage,
  parseNodeMessage,
  type JoinMessage,
} from '../../../src/protocol/messages';
import { newJoinToken, newRoomId, parseJoinToken, parseRoomId, type JoinToken } from '../../../src/protocol/ids';

const join: JoinMessage = {
  kind: 'join',
  protocolVersion: PROTOCOL_VERSION,
  token: 'a'.repeat(24) as JoinToken,
  name: 'laptop-1',
  deviceClass: 'laptop',
  hardwareConcurrency: 8,
  deviceMemoryGb: null,
  webgpu: false,
  simulated: false,
};

describe('control messages', () => {
  it('round-trips every node message kind', () => {
    const messages = [
      join,
      { kind: 'benchmark', report: { model: 'm', backends: [{ backend: 'wasm', available: true, medianMs: 3.5, runs: 10 }], threads: 2, crossOriginIsolated: true } },
      { kind: 'heartbeat', sentAtMs: 1, load: 0.25 },
      { kind: 'leave', reason: 'bye' },
    ] as const;
    for (const m of messages) expect(parseNodeMessage(encodeMessage(m))).toEqual(m);
  });

  it('rejects malformed input with a specific reason', () => {
    const cases: [unknown, RegExp][] = [
      [new ArrayBuffer(4), /not text/],
      ['{not json', /not JSON/],
      ['[1,2]', /not an object/],
      ['{"kind":"nope"}', /unknown message kind "nope"/],
      [encodeMessage({ ...join, name: 'x'.repeat(65) }), /name/],
      [JSON.stringify({ kind: 'heartbeat', sentAtMs: 1, load: 2 }), /load in 0..1/],
      [JSON.stringify({ kind: 'benchmark', report: { model: 'm', backends: [{ backend: 'cuda', available: true }], threads: 1, crossOriginIsolated: false } }), /wasm or webgpu/],
      ['x'.repeat(70_000), /exceeds 65536/],
    ];
    for (const [input, reason] of cases) {
      expect(() => parseNodeMessage(input)).toThrow(ProtocolError);
      expect(() => parseNodeMessage(input)).toThrow(reason);
    }
  });

  it('parses coordinator messages and refuses node kinds from the coordinator side', () => {
    expect(parseCoordinatorMessage('{"kind":"reject","reason":"no"}')).toEqual({ kind: 'reject', reason: 'no' });
    expect(() => parseCoordinatorMessage(encodeMessage(join))).toThrow(/unknown message kind "join"/);
    expect(() => parseCoordinatorMessage('{"kind":"welcome","protocolVersion":1,"nodeId":"n","heartbeatIntervalMs":5}')).toThrow(/>= 100/);
  });
});

describe('ids', () => {
  it('makes room ids and tokens that parse back, and refuses malformed ones', () => {
    const room = newRoomId();
    const token = newJoinToken();
    expect(parseRoomId(room)).toBe(room);
    expect(parseJoinToken(token)).toBe(token);
    expect(newJoinToken()).not.toBe(token);
    expect(parseRoomId('NOT!A!ROOM')).toBeUndefined();
    expect(parseRoomId('abc')).toBeUndefined();
    expect(parseJoinToken('short')).toBeUndefined();
    expect(parseJoinToken(42)).toBeUndefined();
  });
});
