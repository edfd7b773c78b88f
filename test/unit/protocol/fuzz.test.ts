/**
 * Seeded fuzz suite (issue 13, "Done means"): at least 10,000 tensor frames and 10,000 control
 * messages, mutated every way a hostile or broken peer could, through the real receivers. Asserts
 * 0 crashes (nothing but a refusal escapes), 0 frames accepted with a header other than the
 * sender's (payload-level corruption excepted: the audits catch that), no frame accepted twice, a
 * bounded receiver, and that every accepted control message has every number within its bound.
 * Replay a failure with FUZZ_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { encodeTensorFrames, resealChunk, CHUNK_HEADER_BYTES, type TensorFrameHeader } from '../../../src/protocol/tensor-frame';
import { FrameAssembler } from '../../../src/protocol/frame-assembler';
import { ReceiverBudget } from '../../../src/protocol/receiver-budget';
import { PEER_NUMBER_BOUNDS, ProtocolError, type BoundKey } from '../../../src/protocol/bounds';
import { encodeMessage, parseCoordinatorMessage, parseNodeMessage } from '../../../src/protocol/messages';
import { BYTES_PER_ELEMENT, TENSOR_DTYPES, allocateTensorArray, elementCount, type TensorData } from '../../../src/runtime/tensor';
import { seededRandom } from '../../../src/util/seeded-random';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

interface Original {
  readonly header: TensorFrameHeader;
  readonly tensor: TensorData;
  /** Some chunk's payload bytes were changed (allowed to arrive changed). */
  payloadTouched: boolean;
  /** Some chunk was forged with a resealed header (may be refused or arrive as the forged lie). */
  forged: boolean;
  accepted: number;
}

const keyOf = (h: { runId: number; requestId: number; sliceIndex: number; tensorIndex: number }) => `${h.runId}/${h.requestId}/${h.sliceIndex}/${h.tensorIndex}`;

function bytesOf(t: TensorData): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

describe(`fuzzed tensor frames (seed ${SEED})`, () => {
  it('10,000+ frames, mutated: 0 crashes, 0 accepted with a wrong header, none twice, memory bounded', () => {
    const random = seededRandom(SEED);
    const int = (n: number) => Math.floor(random() * n);
    let nowMs = 0;
    const budget = new ReceiverBudget(4 * 1024 * 1024);
    const links = [0, 1, 2].map(() => new FrameAssembler({ budget, now: () => nowMs, maxIdleMs: 2000 }));
    const originals = new Map<string, Original>();
    const byFrameId = new Map<number, Original>();
    let frames = 0;
    let messages = 0;
    let crashes = 0;
    let wrong = 0;
    const wrongExamples: string[] = [];
    let accepted = 0;
    let acceptedForged = 0;
    let nextFrameId = 1;
    const flag = (what: string) => {
      wrong++;
      if (wrongExamples.length < 5) wrongExamples.push(what);
    };

    const push = (link: FrameAssembler, message: ArrayBuffer) => {
      nowMs += 1;
      messages++;
      let result;
      try {
        result = link.push(message);
      } catch (error) {
        crashes++;
        if (wrongExamples.length < 5) wrongExamples.push(`crash: ${String(error)}`);
        return;
      }
      if (result.kind !== 'frame') return;
      accepted++;
      const got = result.frame;
      const t = got.tensor;
      if (t.data.byteLength !== elementCount(t.dims) * BYTES_PER_ELEMENT[t.dtype]) flag(`inconsistent tensor ${keyOf(got.header)}`);
      const original = originals.get(keyOf(got.header));
      if (!original) {
        // Only a forged (resealed) header can name a request that was never sent.
        acceptedForged++;
        return;
      }
      original.accepted++;
      if (original.forged) {
        acceptedForged++;
        return;
      }
      if (original.accepted > 1) flag(`accepted twice ${keyOf(got.header)}`);
      const o = original;
      const sameHeader = JSON.stringify(got.header) === JSON.stringify(o.header) && t.dtype === o.tensor.dtype && JSON.stringify(t.dims) === JSON.stringify(o.tensor.dims);
      if (!sameHeader) flag(`header differs ${JSON.stringify(got.header)} vs ${JSON.stringify(o.header)}`);
      if (!o.payloadTouched && Buffer.compare(bytesOf(t), bytesOf(o.tensor)) !== 0) flag(`payload differs without payload mutation ${keyOf(got.header)}`);
      if (result.group) {
        const g = result.group;
        g.frames.forEach((f, i) => {
          if (f.header.tensorIndex !== i || f.header.requestId !== g.requestId || f.header.runId !== g.runId || f.header.sliceIndex !== g.sliceIndex) flag(`bad group ${g.requestId}`);
        });
      }
    };

    for (let request = 0; frames < 10_000; request++) {
      const tensorCount = random() < 0.8 ? 1 : 2 + int(2);
      const runId = 1 + int(4);
      const sliceIndex = int(4);
      const link = links[int(3)]!;
      const queue: ArrayBuffer[] = [];
      const owners: Original[] = [];
      for (let tensorIndex = 0; tensorIndex < tensorCount; tensorIndex++) {
        const dtype = TENSOR_DTYPES[int(TENSOR_DTYPES.length)]!;
        const dims = Array.from({ length: int(4) }, () => int(7));
        const data = allocateTensorArray(dtype, elementCount(dims));
        const raw = new Uint8Array(data.buffer);
        for (let i = 0; i < raw.length; i++) raw[i] = int(256);
        const tensor: TensorData = { dtype, dims, data };
        const header: TensorFrameHeader = { runId, requestId: request, sliceIndex, tensorIndex, tensorCount, name: `t${int(1000)}é` };
        const original: Original = { header, tensor, payloadTouched: false, forged: false, accepted: 0 };
        originals.set(keyOf(header), original);
        const headBytes = CHUNK_HEADER_BYTES + 12 + 4 * dims.length + Buffer.byteLength(header.name);
        byFrameId.set(nextFrameId, original);
        for (const m of encodeTensorFrames(header, tensor, headBytes + 1 + int(48), nextFrameId++)) {
          queue.push(m);
          owners.push(original);
        }
        frames++;
      }
      for (let i = 0; i < queue.length; i++) {
        const message = queue[i]!;
        const owner = owners[i]!;
        const roll = random();
        if (roll < 0.7) push(link, message);
        else if (roll < 0.75) {
          const copy = message.slice(0); // a bit flip in the headers (chunk header, and tensor header in chunk 0)
          const headers = CHUNK_HEADER_BYTES + new DataView(copy).getUint16(6, true);
          new Uint8Array(copy)[int(headers)]! ^= 1 << int(8);
          push(link, copy);
        } else if (roll < 0.8) {
          const copy = message.slice(0); // a bit flip anywhere (payload included)
          new Uint8Array(copy)[int(copy.byteLength)]! ^= 1 << int(8);
          owner.payloadTouched = true;
          push(link, copy);
        } else if (roll < 0.83) push(link, message.slice(0, int(message.byteLength))); // truncated
        else if (roll < 0.86) {
          const longer = new Uint8Array(message.byteLength + 1 + int(8)); // extra bytes
          longer.set(new Uint8Array(message));
          push(link, longer.buffer);
        } else if (roll < 0.89) {
          push(link, message); // duplicated
          push(link, message);
        } else if (roll < 0.91) continue; // lost
        else if (roll < 0.94) {
          const copy = message.slice(0); // forged: a field changed and the checksum recomputed
          const field = [8, 12, 16, 20, 24, 28, 32][int(7)]!;
          const view = new DataView(copy);
          const value = random() < 0.5 ? int(2 ** 32) : view.getUint32(field, true) + (random() < 0.5 ? 1 : -1);
          view.setUint32(field, field === 12 ? 1000 + int(1000) : field === 16 ? 1e9 + int(1e6) : value >>> 0, true);
          owner.forged = true;
          // A forged frame id may land in another frame: that frame carries the lie too.
          const victim = field === 8 ? byFrameId.get(view.getUint32(8, true)) : undefined;
          if (victim) victim.forged = true;
          push(link, resealChunk(copy));
        } else if (roll < 0.97 && i + 1 < queue.length) {
          push(link, queue[i + 1]!); // reordered
          push(link, message);
          i++;
        } else push(links[int(3)]!, message); // sent on another link
        if (budget.stats.heldBytes > budget.maxBytes) flag(`budget exceeded: ${budget.stats.heldBytes}`);
      }
    }
    for (const link of links) link.close();
    const report = { seed: SEED, frames, messages, accepted, acceptedForged, crashes, wrong, wrongExamples, budget: budget.stats };
    expect(frames, JSON.stringify(report)).toBeGreaterThanOrEqual(10_000);
    expect(crashes, JSON.stringify(report)).toBe(0);
    expect(wrong, JSON.stringify(report)).toBe(0);
    expect(accepted, JSON.stringify(report)).toBeGreaterThan(5000); // the fuzzer did not just break everything
    expect(budget.stats.peakBytes).toBeLessThanOrEqual(budget.maxBytes);
    expect(budget.stats.heldBytes).toBe(0);
  });
});

/** Which bound each numeric field of a control message must satisfy (an independent oracle). */
const FIELD_BOUNDS: Record<string, BoundKey | 'u32' | 'u16' | 'u32-or-null'> = {
  protocolVersion: 'protocolVersion', hardwareConcurrency: 'hardwareConcurrency', deviceMemoryGb: 'deviceMemoryGb',
  flopsPerSecond: 'flopsPerSecond', medianMs: 'benchmarkMedianMs', runs: 'benchmarkRuns', threads: 'threads',
  sentAtMs: 'sentAtMs', load: 'load', heartbeatIntervalMs: 'heartbeatIntervalMs', gramsCo2PerKwh: 'gramsCo2PerKwh',
  idleWatts: 'idleWatts', maxWatts: 'maxWatts', ramGb: 'ramGb', ramWattsPerGb: 'ramWattsPerGb', slowdown: 'slowdown',
  loadMs: 'loadMs', busyMs: 'busyMs', wallMs: 'wallMs', outputBytes: 'outputBytes', byteLength: 'sliceBytes',
  runId: 'u32', requestId: 'u32', sliceIndex: 'u16', keepRunId: 'u32-or-null',
};

/** The numbers of an accepted message that break their bound (known fields only). */
function outOfBounds(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => outOfBounds(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const bad: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const rule = FIELD_BOUNDS[key];
    if (rule !== undefined && !(rule === 'u32-or-null' && v === null) && !(key === 'deviceMemoryGb' && v === null) && !(key === 'ramGb' && v === null)) {
      const ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (rule === 'u32' || rule === 'u32-or-null'
          ? Number.isInteger(v) && v >= 0 && v <= 0xffffffff
          : rule === 'u16'
            ? Number.isInteger(v) && v >= 0 && v <= 0xffff
            : v >= PEER_NUMBER_BOUNDS[rule].min && v <= PEER_NUMBER_BOUNDS[rule].max);
      if (!ok) bad.push(`${path}.${key}=${String(v)}`);
    }
    bad.push(...outOfBounds(v, `${path}.${key}`));
  }
  return bad;
}

const hash = 'ab'.repeat(32);
const NODE_TEMPLATES: object[] = [
  { kind: 'join', protocolVersion: 1, token: 'a'.repeat(24), name: 'laptop', deviceClass: 'laptop', hardwareConcurrency: 8, deviceMemoryGb: 8, webgpu: true, simulated: false },
  { kind: 'benchmark', report: { model: 'paddle-cls', backends: [{ backend: 'wasm', available: true, medianMs: 4.2, runs: 10, flopsPerSecond: 7.8e9 }, { backend: 'webgpu', available: false, error: 'no adapter' }], threads: 4, crossOriginIsolated: true } },
  { kind: 'heartbeat', sentAtMs: 1_764_000_000_000, load: 0.4 },
  { kind: 'leave', reason: 'pagehide' },
  { kind: 'profile', intensity: { gramsCo2PerKwh: 56, zone: 'FR', source: 'Ember', vintage: '2024', kind: 'average', isLive: false }, power: { idleWatts: 8, maxWatts: 45, ramGb: 16, ramWattsPerGb: 0.37, label: 'estimated', source: 'laptop prior' }, slowdown: 1 },
  { kind: 'slice-request', runId: 3, sliceIndex: 1, sha256: hash },
  { kind: 'deployed', runId: 3, sliceIndex: 1, sha256: hash, fromCache: false, loadMs: 120 },
  { kind: 'deploy-failed', runId: 3, sliceIndex: 1, reason: 'hash mismatch' },
  { kind: 'executed', runId: 3, requestId: 77, sliceIndex: 1, busyMs: 12, wallMs: 30, outputBytes: 4096 },
  { kind: 'request-failed', runId: 3, requestId: 77, sliceIndex: 1, reason: 'throws' },
];
const COORDINATOR_TEMPLATES: object[] = [
  { kind: 'welcome', protocolVersion: 1, nodeId: 'node-1', heartbeatIntervalMs: 1000 },
  { kind: 'reject', reason: 'bad token' },
  { kind: 'benchmark-request' },
  { kind: 'deploy', runId: 3, sliceIndex: 0, sha256: hash, byteLength: 1000, backend: 'wasm', inputNames: ['x'], outputNames: ['y'], upstreamPeerId: 'a', downstreamPeerId: 'b' },
  { kind: 'undeploy', keepRunId: null },
  { kind: 'configure', slowdown: 2 },
];
const NASTY: unknown[] = [1e300, -1e300, -1, 0, -0, 0.5, 1.5, 2 ** 32, 2 ** 53 + 1, 1e-320, null, true, '', '1000', 'x'.repeat(5000), [], [1, 2], {}, { a: 1 }, 'wasm', 'webgpu', 'join', '__proto__'];

describe(`fuzzed control messages (seed ${SEED})`, () => {
  it('10,000+ messages, mutated: 0 crashes, every accepted number within its bound, no unchecked field', () => {
    const random = seededRandom(SEED ^ 0x5eed);
    const int = (n: number) => Math.floor(random() * n);
    let crashes = 0;
    let accepted = 0;
    let refused = 0;
    const wrong: string[] = [];
    const paths = (v: unknown, prefix: string[] = []): string[][] =>
      typeof v === 'object' && v !== null ? Object.entries(v).flatMap(([k, c]) => [[...prefix, k], ...paths(c, [...prefix, k])]) : [];
    const mutate = (template: object): unknown => {
      const m = structuredClone(template) as Record<string, unknown>;
      const roll = random();
      if (roll < 0.05) return [new ArrayBuffer(8), 42, undefined, null, '', '{', '[]', '{"kind":7}', 'x'.repeat(70_000)][int(9)];
      const text = (): string => JSON.stringify(m);
      const all = paths(m);
      for (let edits = 1 + int(3); edits > 0; edits--) {
        const path = all[int(all.length)]!;
        let parent: Record<string, unknown> = m;
        for (const key of path.slice(0, -1)) parent = (parent?.[key] ?? null) as Record<string, unknown>;
        if (typeof parent !== 'object' || parent === null) continue;
        const last = path.at(-1)!;
        const what = random();
        if (what < 0.6) parent[last] = structuredClone(NASTY[int(NASTY.length)]);
        else if (what < 0.75) delete parent[last];
        else if (what < 0.85 && typeof parent[last] === 'number') parent[last] = (parent[last] as number) * (random() < 0.5 ? -1 : 10 ** (1 + int(300)));
        else if (what < 0.92) parent[`extra${int(3)}`] = structuredClone(NASTY[int(NASTY.length)]);
        else parent[`extra${int(3)}`] = { busyMs: 1e300, flopsPerSecond: -1, heartbeatIntervalMs: 0 }; // smuggled figures
      }
      if (random() < 0.05) {
        const t = text();
        return t.slice(0, int(t.length)); // truncated
      }
      return text();
    };
    const total = 12_000;
    for (let i = 0; i < total; i++) {
      const toCoordinator = random() < 0.6;
      const templates = toCoordinator ? NODE_TEMPLATES : COORDINATOR_TEMPLATES;
      const input = mutate(templates[int(templates.length)]!);
      try {
        const message = toCoordinator ? parseNodeMessage(input) : parseCoordinatorMessage(input);
        accepted++;
        const bad = outOfBounds(message);
        if (/"extra\d"/.test(JSON.stringify(message))) bad.push('an unchecked field came through');
        if (bad.length && wrong.length < 10) wrong.push(`${String(input).slice(0, 200)} -> ${bad.join(', ')}`);
        // Whatever was accepted must round-trip through the encoder and parse again.
        const again = encodeMessage(message);
        if (toCoordinator) parseNodeMessage(again);
        else parseCoordinatorMessage(again);
      } catch (error) {
        if (error instanceof ProtocolError) refused++;
        else {
          crashes++;
          if (wrong.length < 10) wrong.push(`crash on ${String(input).slice(0, 200)}: ${String(error)}`);
        }
      }
    }
    const report = { seed: SEED, total, accepted, refused, crashes, wrong };
    expect(accepted + refused + crashes).toBe(total);
    expect(crashes, JSON.stringify(report)).toBe(0);
    expect(wrong, JSON.stringify(report)).toEqual([]);
    expect(refused, JSON.stringify(report)).toBeGreaterThan(total / 2);
    expect(accepted, JSON.stringify(report)).toBeGreaterThan(500);
  });
});
