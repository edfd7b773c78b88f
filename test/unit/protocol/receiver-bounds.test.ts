/**
 * Regression tests for issue 13, findings 4-6: a receiver's memory stays bounded whatever a peer
 * sends, chunk ranges must tile a frame exactly, and a replayed frame is refused. Each test fails
 * on the assembler before the node-wide budget (per-link budgets, no tiling check, no replay memory).
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_HEADER_BYTES, encodeTensorFrames, resealChunk, type FrameErrorReason, type TensorFrameHeader } from '../../../src/protocol/tensor-frame';
import { FrameAssembler, type FramePushResult } from '../../../src/protocol/frame-assembler';
import { ReceiverBudget, ReceiverBudgetError } from '../../../src/protocol/receiver-budget';

const header: TensorFrameHeader = { runId: 3, requestId: 9, sliceIndex: 1, tensorIndex: 0, tensorCount: 1, name: 'x' };
const MiB = 1024 * 1024;

function reason(result: FramePushResult): FrameErrorReason | 'pending' | 'frame' {
  return result.kind === 'rejected' ? result.error.reason : result.kind;
}

function setU32(message: ArrayBuffer, offset: number, value: number): ArrayBuffer {
  const copy = message.slice(0);
  new DataView(copy).setUint32(offset, value, true);
  return resealChunk(copy);
}

/** Finding 4's 53-byte frame (57 bytes in format 2): an empty tensor claiming a group of 65,535 tensors. */
function emptyFrame(requestId: number, tensorCount = 65535): ArrayBuffer {
  return encodeTensorFrames({ ...header, requestId, tensorCount }, { dtype: 'float32', dims: [0], data: new Float32Array(0) })[0]!;
}

describe('bounded receiver memory (issue 13, finding 4)', () => {
  it('refuses a 57-byte frame claiming 65,535 tensors instead of allocating its slot array', () => {
    const message = emptyFrame(1);
    expect(message.byteLength).toBe(57);
    const assembler = new FrameAssembler();
    expect(reason(assembler.push(message))).toBe('unexpected-count');
    expect(assembler.stats).toMatchObject({ pendingGroups: 0, heldBytes: 0 });
  });

  it('caps the tensor count by what the deployment expects for that slice', () => {
    const assembler = new FrameAssembler({ expectTensorCount: (run, _request, slice) => (run === 3 && slice === 1 ? 2 : undefined) });
    expect(reason(assembler.push(emptyFrame(1, 3)))).toBe('unexpected-count');
    expect(reason(assembler.push(encodeTensorFrames({ ...header, sliceIndex: 4, tensorCount: 2 }, { dtype: 'uint8', dims: [1], data: new Uint8Array(1) })[0]!))).toBe('unknown-request');
    expect(reason(assembler.push(emptyFrame(2, 2)))).toBe('frame');
    expect(assembler.stats.pendingGroups).toBe(1);
  });

  it('counts group slot arrays in the budget: 1,500 hostile frames hold no more than the budget', () => {
    const budget = new ReceiverBudget(64 * 1024);
    const assembler = new FrameAssembler({ budget });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const r = reason(assembler.push(emptyFrame(i, 64)));
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
    }
    // Each half-filled group of 64 costs its entry, 64 slots and its one frame (1,536 bytes), and
    // the frame's remembered id 48 bytes: 41 fit in 64 KiB.
    expect(outcomes.get('frame')).toBe(Math.floor((64 * 1024) / (1536 + 48)));
    expect(outcomes.get('over-budget')).toBeGreaterThan(1300);
    expect(budget.stats.peakBytes).toBeLessThanOrEqual(64 * 1024);
    expect(budget.stats.rejected['over-budget']).toBe(outcomes.get('over-budget'));
  });

  it('counts a frame entry and its chunk bookkeeping, not only the tensor bytes', () => {
    const assembler = new FrameAssembler();
    // 1 byte of tensor in 1 chunk of a claimed 2: the entry and 2 chunks' bookkeeping are charged.
    const first = encodeTensorFrames(header, { dtype: 'uint8', dims: [2], data: new Uint8Array(2) }, CHUNK_HEADER_BYTES + 12 + 4 + 1 + 1)[0]!;
    expect(reason(assembler.push(first))).toBe('pending');
    expect(assembler.stats.heldBytes).toBe(1024 + 2 + 2 * 9);
  });
});

describe('one budget per node, evicted by age (issue 13, finding 5)', () => {
  it('three rogue links together hold at most the one node budget', () => {
    const budget = new ReceiverBudget(8 * MiB);
    const links = [0, 1, 2].map(() => new FrameAssembler({ budget }));
    const big = { dtype: 'uint8' as const, dims: [3 * MiB], data: new Uint8Array(3 * MiB) };
    const held = links.map((link, i) => reason(link.push(encodeTensorFrames({ ...header, requestId: i }, big)[0]!)));
    expect(held).toEqual(['pending', 'pending', 'over-budget']);
    expect(budget.stats.heldBytes).toBeLessThanOrEqual(8 * MiB);
    expect(budget.stats).toMatchObject({ members: 3, refusals: 1 });
  });

  it('evicts incomplete frames that made no progress for maxIdleMs, freeing room for new ones', () => {
    let nowMs = 0;
    const budget = new ReceiverBudget(4 * MiB);
    const rogue = new FrameAssembler({ budget, now: () => nowMs, maxIdleMs: 10_000 });
    const honest = new FrameAssembler({ budget, now: () => nowMs, maxIdleMs: 10_000 });
    const big = { dtype: 'uint8' as const, dims: [3 * MiB], data: new Uint8Array(3 * MiB) };
    const stale = encodeTensorFrames(header, big);
    expect(reason(rogue.push(stale[0]!))).toBe('pending');
    const wanted = encodeTensorFrames({ ...header, requestId: 10 }, big);
    expect(reason(honest.push(wanted[0]!))).toBe('over-budget');
    nowMs += 10_001;
    const again = encodeTensorFrames({ ...header, requestId: 11 }, big);
    expect(reason(honest.push(again[0]!))).toBe('pending'); // the budget evicted the rogue's idle frame
    expect(rogue.stats).toMatchObject({ evicted: 1, pendingFrames: 0, heldBytes: 0 });
    expect(reason(rogue.push(stale[1]!))).toBe('expired');
    expect(budget.stats.evicted).toBe(1);
  });

  it('keeps a frame that makes progress, however long it takes overall', () => {
    let nowMs = 0;
    const assembler = new FrameAssembler({ now: () => nowMs, maxIdleMs: 1000 });
    const messages = encodeTensorFrames(header, { dtype: 'uint8', dims: [4000], data: new Uint8Array(4000).fill(7) }, 256);
    let last: FramePushResult = { kind: 'pending' };
    for (const m of messages) {
      nowMs += 900;
      last = assembler.push(m);
    }
    expect(messages.length).toBeGreaterThan(10);
    expect(reason(last)).toBe('frame');
  });

  it('gives a closed link\'s bytes back to the node budget and refuses its later chunks', () => {
    const budget = new ReceiverBudget(MiB);
    const link = new FrameAssembler({ budget });
    const messages = encodeTensorFrames(header, { dtype: 'uint8', dims: [500_000], data: new Uint8Array(500_000) });
    link.push(emptyFrame(77, 1));
    expect(reason(link.push(messages[0]!))).toBe('pending');
    expect(budget.heldBytes).toBeGreaterThan(500_000);
    link.close();
    expect(budget.stats).toMatchObject({ heldBytes: 0, members: 0 });
    expect(reason(link.push(messages[1]!))).toBe('discarded');
  });

  it('refuses a budget that is not a positive number of bytes', () => {
    expect(() => new ReceiverBudget(0)).toThrow(ReceiverBudgetError);
    expect(() => new ReceiverBudget(Number.NaN)).toThrow(/positive number of bytes, got NaN/);
  });
});

describe('exact tiling and replays (issue 13, finding 6)', () => {
  const tensor = { dtype: 'uint8' as const, dims: [300], data: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) };
  const chunks = () => encodeTensorFrames(header, tensor, 120);

  it('refuses overlapping chunks instead of completing with a zero-filled gap', () => {
    const messages = chunks();
    const view = new DataView(messages[1]!);
    const overlapping = setU32(messages[1]!, 32, view.getUint32(32, true) - 10);
    const assembler = new FrameAssembler();
    const results = [messages[0]!, overlapping, ...messages.slice(2)].map((m) => reason(assembler.push(m)));
    expect(results.at(-1)).toBe('bad-tiling');
    expect(results).not.toContain('frame');
    expect(assembler.stats).toMatchObject({ framesCompleted: 0, pendingFrames: 0, heldBytes: 0 });
  });

  it('refuses a chunk 0 that does not start at byte 0, an empty middle chunk, and a short last chunk', () => {
    const messages = chunks();
    expect(reason(new FrameAssembler().push(setU32(messages[0]!, 32, 1)))).toBe('bad-tiling');
    const shortLast = messages.at(-1)!.slice(0, messages.at(-1)!.byteLength - 1);
    expect(reason(new FrameAssembler().push(shortLast))).toBe('bad-tiling');
    const emptyMiddle = messages[1]!.slice(0, CHUNK_HEADER_BYTES);
    expect(reason(new FrameAssembler().push(emptyMiddle))).toBe('bad-tiling');
  });

  it('refuses a replayed complete frame', () => {
    const messages = chunks();
    const assembler = new FrameAssembler();
    expect(messages.map((m) => reason(assembler.push(m))).at(-1)).toBe('frame');
    expect(messages.map((m) => reason(assembler.push(m)))).toEqual(messages.map(() => 'replayed'));
    expect(assembler.stats).toMatchObject({ framesCompleted: 1, pendingFrames: 0 });
    expect(assembler.stats.rejected.replayed).toBe(messages.length);
  });

  it('remembers a bounded number of completed ids, charged to the budget', () => {
    const budget = new ReceiverBudget(MiB);
    const assembler = new FrameAssembler({ budget });
    for (let i = 0; i < 10_000; i++) assembler.push(emptyFrame(i, 1));
    expect(assembler.stats.framesCompleted).toBe(10_000);
    expect(assembler.stats.idMemoryBytes).toBe(8192 * 48);
    expect(budget.heldBytes).toBe(8192 * 48);
  });
});
