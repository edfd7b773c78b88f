import { describe, expect, it } from 'vitest';
import {
  CHUNK_HEADER_BYTES,
  FrameError,
  encodeTensorFrames,
  isTensorFrameChunk,
  resealChunk,
  type TensorFrameHeader,
} from '../../../src/protocol/tensor-frame';
import { FrameAssembler, type FramePushResult } from '../../../src/protocol/frame-assembler';
import { MAX_MESSAGE_BYTES } from '../../../src/mesh/transport';
import { TENSOR_DTYPES, allocateTensorArray, elementCount, type TensorData, type TensorDtype } from '../../../src/runtime/tensor';

const header: TensorFrameHeader = { runId: 7, requestId: 42, sliceIndex: 1, tensorIndex: 0, tensorCount: 1, name: 'conv1/out:0 é' };

/** Deterministic test data for any dtype (bool as 0/1, 64-bit ints beyond 2^53, negatives). */
function tensorOf(dtype: TensorDtype, dims: readonly number[]): TensorData {
  const n = elementCount(dims);
  const data = allocateTensorArray(dtype, n);
  for (let i = 0; i < n; i++) {
    if (data instanceof BigInt64Array) data[i] = (i % 2 ? -1n : 1n) * (2n ** 60n + BigInt(i));
    else if (data instanceof BigUint64Array) data[i] = 2n ** 63n + BigInt(i);
    else if (dtype === 'bool') data[i] = i % 3 === 0 ? 1 : 0;
    else (data as Float32Array)[i] = dtype.startsWith('float') && dtype !== 'float16' ? (i - n / 2) * 0.37 : (i * 37) % 120;
  }
  return { dtype, dims, data };
}

function bytesOf(tensor: TensorData): Uint8Array {
  return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}

/** Push every message; return the last result. */
function pushAll(assembler: FrameAssembler, messages: readonly ArrayBuffer[]): FramePushResult[] {
  return messages.map((m) => assembler.push(m));
}

function frameOf(result: FramePushResult | undefined) {
  if (result?.kind !== 'frame') throw new Error(`expected a frame, got ${JSON.stringify(result)}`);
  return result.frame;
}

function rejection(result: FramePushResult | undefined): string {
  if (result?.kind !== 'rejected') throw new Error(`expected a rejection, got ${result?.kind}`);
  expect(result.error).toBeInstanceOf(FrameError);
  return result.error.reason;
}

/** A copy of `message` with one uint32 (or uint8/uint16) changed, its header checksum recomputed. */
function tamper(message: ArrayBuffer, offset: number, value: number, size: 1 | 2 | 4 = 4): ArrayBuffer {
  const copy = message.slice(0);
  const view = new DataView(copy);
  if (size === 1) view.setUint8(offset, value);
  else if (size === 2) view.setUint16(offset, value, true);
  else view.setUint32(offset, value, true);
  return resealChunk(copy);
}

describe('tensor frames', () => {
  it.each(TENSOR_DTYPES)('round-trips a %s tensor bit-exactly with its header', (dtype) => {
    const tensor = tensorOf(dtype, [2, 3, 5]);
    const messages = encodeTensorFrames(header, tensor);
    expect(messages).toHaveLength(1);
    expect(isTensorFrameChunk(messages[0]!)).toBe(true);
    const frame = frameOf(new FrameAssembler().push(messages[0]!));
    expect(frame.header).toEqual(header);
    expect(frame.tensor.dtype).toBe(dtype);
    expect(frame.tensor.dims).toEqual([2, 3, 5]);
    expect(frame.tensor.data.constructor).toBe(tensor.data.constructor);
    expect(Array.from(frame.tensor.data as ArrayLike<number | bigint>)).toEqual(Array.from(tensor.data as ArrayLike<number | bigint>));
  });

  it('round-trips a 0-d scalar and an empty tensor', () => {
    const assembler = new FrameAssembler();
    const scalar = frameOf(pushAll(assembler, encodeTensorFrames(header, { dtype: 'int64', dims: [], data: BigInt64Array.of(-5n) })).at(-1));
    expect(scalar.tensor.dims).toEqual([]);
    expect(Array.from(scalar.tensor.data as BigInt64Array)).toEqual([-5n]);
    const emptyMessages = encodeTensorFrames(header, { dtype: 'float32', dims: [0, 4], data: new Float32Array(0) });
    expect(emptyMessages).toHaveLength(1);
    const empty = frameOf(assembler.push(emptyMessages[0]!));
    expect(empty.tensor.dims).toEqual([0, 4]);
    expect(empty.tensor.data.length).toBe(0);
  });

  it('chunks a 10 MB tensor under 256 KiB and reassembles it bit-exactly into its own buffer', () => {
    const n = (10 * 1024 * 1024) / 4;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(i) * 1e3;
    const tensor: TensorData = { dtype: 'float32', dims: [1, n], data };
    const messages = encodeTensorFrames({ ...header, name: 'big' }, tensor);
    expect(messages.length).toBe(Math.ceil(n * 4 / (MAX_MESSAGE_BYTES - 64 - CHUNK_HEADER_BYTES)));
    for (const m of messages) expect(m.byteLength).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const results = pushAll(new FrameAssembler(), messages);
    expect(results.slice(0, -1).every((r) => r.kind === 'pending')).toBe(true);
    const frame = frameOf(results.at(-1));
    expect(frame.tensor.data.buffer.byteLength).toBe(n * 4);
    expect(Buffer.compare(bytesOf(frame.tensor), bytesOf(tensor))).toBe(0);
  });

  it('honours a smaller message size and refuses one too small for the header', () => {
    const tensor = tensorOf('uint8', [1000]);
    const messages = encodeTensorFrames(header, tensor, 200);
    expect(Math.max(...messages.map((m) => m.byteLength))).toBeLessThanOrEqual(200);
    expect(Buffer.compare(bytesOf(frameOf(pushAll(new FrameAssembler(), messages).at(-1)).tensor), bytesOf(tensor))).toBe(0);
    expect(() => encodeTensorFrames(header, tensor, 40)).toThrow(RangeError);
  });

  it('reassembles interleaved frames whose chunks also arrive out of order', () => {
    const a = tensorOf('float32', [3000]);
    const b = tensorOf('int32', [2500]);
    const ma = encodeTensorFrames({ ...header, name: 'a' }, a, 1024);
    const mb = encodeTensorFrames({ ...header, requestId: 43, name: 'b' }, b, 1024);
    const mixed: ArrayBuffer[] = [];
    for (let i = 0; i < Math.max(ma.length, mb.length); i++) mixed.push(...[mb[i], ma[ma.length - 1 - i]].filter((m) => m !== undefined));
    const assembler = new FrameAssembler();
    const frames = pushAll(assembler, mixed).filter((r) => r.kind === 'frame').map(frameOf);
    expect(frames.map((f) => f.header.name).sort()).toEqual(['a', 'b']);
    for (const frame of frames) {
      const source = frame.header.name === 'a' ? a : b;
      expect(Buffer.compare(bytesOf(frame.tensor), bytesOf(source))).toBe(0);
    }
    expect(assembler.stats).toMatchObject({ framesCompleted: 2, pendingFrames: 0, heldBytes: 0 });
  });

  it('completes a request group only when all its tensors arrived, in tensor-index order', () => {
    const names = ['hidden', 'shape', 'mask'];
    const tensors = [tensorOf('float32', [2, 8]), tensorOf('int64', [2]), tensorOf('bool', [2, 8])];
    const assembler = new FrameAssembler();
    const results = [2, 0, 1].map((i) =>
      pushAll(assembler, encodeTensorFrames({ ...header, tensorIndex: i, tensorCount: 3, name: names[i]! }, tensors[i]!, 100)).at(-1),
    );
    expect(results.slice(0, 2).every((r) => r?.kind === 'frame' && r.group === undefined)).toBe(true);
    const last = results[2];
    if (last?.kind !== 'frame' || !last.group) throw new Error('group not complete');
    expect(last.group.frames.map((f) => f.header.name)).toEqual(names);
    expect(last.group).toMatchObject({ runId: 7, requestId: 42, sliceIndex: 1 });
    expect(assembler.stats).toMatchObject({ groupsCompleted: 1, heldBytes: 0 });
  });

  it('refuses to encode a tensor whose data disagrees with its dims, or ids out of range', () => {
    expect(() => encodeTensorFrames(header, { dtype: 'float32', dims: [4], data: new Float32Array(3) })).toThrow(/needs 16 bytes, data has 12/);
    expect(() => encodeTensorFrames({ ...header, runId: -1 }, tensorOf('uint8', [1]))).toThrow(RangeError);
    expect(() => encodeTensorFrames({ ...header, tensorIndex: 2, tensorCount: 2 }, tensorOf('uint8', [1]))).toThrow(RangeError);
  });
});

describe('FrameAssembler rejections', () => {
  const small = tensorOf('float32', [100]);
  const chunks = () => encodeTensorFrames(header, small, 120);

  it('rejects short messages, bad magic and unknown versions as data, never throwing', () => {
    const assembler = new FrameAssembler();
    expect(rejection(assembler.push(new ArrayBuffer(10)))).toBe('malformed');
    expect(rejection(assembler.push(tamper(chunks()[0]!, 0, 0xdeadbeef)))).toBe('malformed');
    expect(rejection(assembler.push(tamper(chunks()[0]!, 4, 9, 1)))).toBe('unsupported-version');
    expect(rejection(assembler.push(tamper(chunks()[0]!, 20, 99)))).toBe('malformed'); // chunk index >= count
    expect(assembler.stats.rejected).toMatchObject({ malformed: 3, 'unsupported-version': 1 });
  });

  it('rejects a malformed tensor header: unknown dtype, lying rank, dims that disagree with the bytes', () => {
    const assembler = new FrameAssembler();
    const first = encodeTensorFrames(header, small)[0]!;
    expect(rejection(assembler.push(tamper(first, CHUNK_HEADER_BYTES + 6, 200, 1)))).toBe('malformed');
    expect(rejection(assembler.push(tamper(first, CHUNK_HEADER_BYTES + 7, 3, 1)))).toBe('malformed');
    const lying = encodeTensorFrames({ ...header, name: 'x' }, small)[0]!;
    expect(rejection(assembler.push(tamper(lying, CHUNK_HEADER_BYTES + 12, 99)))).toBe('size-mismatch');
  });

  it('rejects oversized frames and frames beyond the held-bytes budget', () => {
    expect(rejection(new FrameAssembler({ maxFrameBytes: 399 }).push(chunks()[0]!))).toBe('oversized');
    // One frame of 400 bytes costs its buffer, an entry and per-chunk bookkeeping (about 1,480 bytes).
    const assembler = new FrameAssembler({ maxHeldBytes: 2000 });
    expect(assembler.push(chunks()[0]!).kind).toBe('pending');
    expect(rejection(assembler.push(chunks()[0]!))).toBe('over-budget');
  });

  it('rejects a chunk whose count disagrees, drops the frame and refuses its late chunks', () => {
    const assembler = new FrameAssembler();
    const messages = chunks();
    assembler.push(messages[0]!);
    expect(rejection(assembler.push(tamper(messages[1]!, 24, messages.length + 1)))).toBe('chunk-mismatch');
    expect(rejection(assembler.push(messages[2]!))).toBe('chunk-mismatch');
    expect(assembler.stats).toMatchObject({ pendingFrames: 0, heldBytes: 0 });
  });

  it('rejects a duplicate chunk and still completes the frame bit-exactly', () => {
    const assembler = new FrameAssembler();
    const messages = chunks();
    assembler.push(messages[0]!);
    assembler.push(messages[1]!);
    expect(rejection(assembler.push(messages[1]!))).toBe('duplicate-chunk');
    const frame = frameOf(pushAll(assembler, messages.slice(2)).at(-1));
    expect(Buffer.compare(bytesOf(frame.tensor), bytesOf(small))).toBe(0);
  });

  it('rejects a group whose tensor count disagrees or whose index repeats', () => {
    const assembler = new FrameAssembler();
    const t = tensorOf('uint8', [4]);
    pushAll(assembler, encodeTensorFrames({ ...header, tensorIndex: 0, tensorCount: 3 }, t));
    expect(rejection(assembler.push(encodeTensorFrames({ ...header, tensorIndex: 1, tensorCount: 2 }, t)[0]!))).toBe('group-mismatch');
    expect(rejection(assembler.push(encodeTensorFrames({ ...header, tensorIndex: 0, tensorCount: 3 }, t)[0]!))).toBe('group-mismatch');
  });

  it('rejects frames of requests the receiver does not expect', () => {
    const assembler = new FrameAssembler({ acceptRequest: (run, request) => run === 7 && request === 1 });
    expect(rejection(assembler.push(chunks()[0]!))).toBe('unknown-request');
    expect(assembler.stats.heldBytes).toBe(0);
  });

  it('discards incomplete frames per request and by age, and refuses their late chunks', () => {
    let nowMs = 1000;
    const assembler = new FrameAssembler({ now: () => nowMs });
    const a = chunks();
    const b = encodeTensorFrames({ ...header, requestId: 43 }, small, 120);
    assembler.push(a[0]!);
    assembler.push(b[0]!);
    expect(assembler.discardRequest(7, 42)).toBe(1);
    expect(rejection(assembler.push(a[1]!))).toBe('discarded');
    nowMs += 5000;
    expect(assembler.discardOlderThan(10_000)).toBe(0);
    expect(assembler.discardOlderThan(4000)).toBe(1);
    expect(rejection(assembler.push(b[1]!))).toBe('discarded');
    expect(assembler.stats).toMatchObject({ discarded: 2, pendingFrames: 0, heldBytes: 0 });
  });
});

describe('header checksum', () => {
  it('refuses a chunk whose ids, offsets or tensor header changed in transit', () => {
    const messages = encodeTensorFrames(header, tensorOf('float32', [100]), 120);
    for (const [index, offset] of [[0, 16], [1, 32], [0, CHUNK_HEADER_BYTES + 13]] as const) {
      const damaged = messages[index]!.slice(0);
      new Uint8Array(damaged)[offset]! ^= 0x04;
      expect(rejection(new FrameAssembler().push(damaged))).toBe('bad-checksum');
    }
  });

  it('leaves payload bytes to the audits: a flipped payload byte still completes the frame', () => {
    const messages = encodeTensorFrames(header, tensorOf('uint8', [50]));
    const damaged = messages[0]!.slice(0);
    new Uint8Array(damaged)[damaged.byteLength - 1]! ^= 0xff;
    expect(new FrameAssembler().push(damaged).kind).toBe('frame');
  });
});
