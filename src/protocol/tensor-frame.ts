/**
 * Tensor frames: how one tensor travels between peers as binary messages, never as JSON. A frame
 * is one tensor of one request, cut into chunks that each fit a data-channel message (256 KiB in
 * Chromium; PeerJS `raw` throws above it and closes the connection, issue 6). Layout, all
 * little-endian, offsets in bytes:
 *
 *     chunk header (every message, CHUNK_HEADER_BYTES = 40)
 *       0  u32 magic 0x66744543 ("CEtf" as bytes)
 *       4  u8  format version (TENSOR_FRAME_VERSION)
 *       5  u8  reserved, 0
 *       6  u16 tensor header length in this message (chunk 0 only; 0 in the others)
 *       8  u32 frame id (unique per sender; the receiver keys frames by it)
 *      12  u32 run id
 *      16  u32 request id
 *      20  u32 chunk index (0-based)
 *      24  u32 chunk count
 *      28  u32 total payload bytes of the frame (the tensor's raw bytes)
 *      32  u32 byte offset of this chunk's payload within those bytes
 *      36  u32 CRC-32 (IEEE) of bytes 0..35 and of the tensor header that follows (chunk 0)
 *     tensor header (chunk 0 only; TENSOR_HEADER_FIXED_BYTES = 12, then 4 x rank, then the name)
 *       0  u16 slice index (the slice that consumes or produced the tensor)
 *       2  u16 tensor index within the request's group (0 <= index < count)
 *       4  u16 tensor count of the group (all crossing tensors of this hop)
 *       6  u8  dtype code (ONNX TensorProto.DataType numbering)
 *       7  u8  rank
 *       8  u16 name length in bytes (UTF-8)
 *      10  u16 reserved, 0
 *      12  u32 x rank dims
 *      ..  name, UTF-8
 *     payload: the chunk's slice of the tensor's raw bytes
 *
 * The checksum covers the headers only, so a receiver never acts on a damaged id, count, offset,
 * dtype, dims or name (issue 13: a fuzzed header must not yield a wrong frame). It is no defence
 * against a lying sender, which link authentication and the run's checks are for; the payload is
 * left to the audits (src/trust/audit.ts), which compare results, not bytes.
 *
 * Every chunk says where its payload goes, so the receiver copies it straight into one buffer
 * allocated at the frame's first chunk (no concatenation), whatever order chunks come in. Run and
 * request ids ride in every chunk so a receiver can refuse or discard a request's frames before
 * chunk 0 arrives. Ids are uint32s: compact and cheap to compare. Frame ids are unique per sender
 * only: use one assembler per inbound link.
 *
 * Several tensors per request (a cut whose crossing set holds more than one tensor, e.g. an int64
 * shape tensor beside activations): one frame per tensor, each carrying `tensorIndex` and
 * `tensorCount`; the receiver ({@link FrameAssembler}) groups frames by (run, request, slice) and
 * reports the request complete once `tensorCount` distinct indexes have arrived.
 */
import { BYTES_PER_ELEMENT, elementCount, type TensorData, type TensorDtype } from '../runtime/tensor';

/** Bumped on every incompatible change of the layout above. */
export const TENSOR_FRAME_VERSION = 2;
/** "CEtf" read as a little-endian uint32. */
export const TENSOR_FRAME_MAGIC = 0x66744543;
/** Bytes of the chunk header at the start of every message. */
export const CHUNK_HEADER_BYTES = 40;
/** Offset of the header checksum within the chunk header. */
const CHECKSUM_OFFSET = 36;
/** Fixed part of the tensor header (before dims and name). */
export const TENSOR_HEADER_FIXED_BYTES = 12;
/** Most dims a frame may carry. */
export const MAX_FRAME_RANK = 255;
/** Longest tensor name in UTF-8 bytes. */
export const MAX_FRAME_NAME_BYTES = 4096;
/**
 * Default message size: the 256 KiB data-channel limit (src/mesh/transport.ts MAX_MESSAGE_BYTES)
 * less a small margin in case a transport wraps messages (PeerJS `raw` adds nothing).
 */
export const DEFAULT_FRAME_MESSAGE_BYTES = 256 * 1024 - 64;

/** Dtype codes on the wire: ONNX TensorProto.DataType values (onnx/onnx.proto3). */
export const DTYPE_CODES: Readonly<Record<TensorDtype, number>> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13,
};
const DTYPE_BY_CODE = new Map<number, TensorDtype>(
  Object.entries(DTYPE_CODES).map(([dtype, code]) => [code, dtype as TensorDtype]),
);

/** Who a tensor belongs to; the same for every frame of a request's group except the tensor fields. */
export interface TensorFrameHeader {
  /** Run (one deployment of a plan) the request belongs to, uint32. */
  readonly runId: number;
  /** Request (one inference) within the run, uint32. */
  readonly requestId: number;
  /** Slice index, uint16: the slice that consumes this tensor (or produced it, for outputs). */
  readonly sliceIndex: number;
  /** Position of this tensor in the request's group, uint16, below `tensorCount`. */
  readonly tensorIndex: number;
  /** How many tensors the group holds (e.g. all crossing tensors of a cut), 1..65535. */
  readonly tensorCount: number;
  /** The tensor's name in the graph (UTF-8, at most MAX_FRAME_NAME_BYTES bytes). */
  readonly name: string;
}

/** A complete frame as received: its header and the tensor (data in its own ArrayBuffer). */
export interface TensorFrame {
  /** Ids, slice, group position and name. */
  readonly header: TensorFrameHeader;
  /** The tensor; `data.buffer` holds exactly its bytes, so it can be transferred to a worker. */
  readonly tensor: TensorData;
}

/** Every reason a frame or chunk is refused, counted per reason by the receiver. */
export const FRAME_ERROR_REASONS = [
  'malformed', // too short, bad magic, inconsistent fields, bad dtype/dims/name
  'unsupported-version', // a frame format this build does not speak
  'oversized', // total bytes above the receiver's limit
  'over-budget', // accepting it would exceed the bytes held for incomplete frames
  'chunk-mismatch', // chunk count, total bytes or ids disagree with earlier chunks of the frame
  'duplicate-chunk', // a chunk index seen before for this frame
  'size-mismatch', // dims x dtype size differs from the frame's total bytes
  'group-mismatch', // tensor count disagrees within a request's group, or a tensor index repeats
  'unknown-request', // the receiver's `acceptRequest` or `expectTensorCount` refused the run/request/slice
  'discarded', // a late chunk of a frame the receiver discarded (request cancelled or timed out)
  'bad-tiling', // chunk ranges that overlap, leave a gap or do not follow the chunk order
  'replayed', // a frame id this receiver already completed
  'unexpected-count', // a tensor count other than the deployment expects (or above the receiver's cap)
  'expired', // a late chunk of a frame evicted for idling too long
  'bad-checksum', // the header checksum does not match: a damaged or forged-by-accident header
] as const;
/** One of {@link FRAME_ERROR_REASONS}. */
export type FrameErrorReason = (typeof FRAME_ERROR_REASONS)[number];

/** A frame or chunk that cannot be accepted; `reason` says which rule it broke. */
export class FrameError extends Error {
  override name = 'FrameError';
  constructor(readonly reason: FrameErrorReason, message: string) {
    super(`${reason}: ${message}`);
  }
}

/** The fields of a chunk header. */
export interface ChunkHeader {
  /** Format version. */
  readonly version: number;
  /** Length of the tensor header in this message (0 unless chunk 0). */
  readonly tensorHeaderBytes: number;
  /** Sender-unique frame id. */
  readonly frameId: number;
  /** Run id. */
  readonly runId: number;
  /** Request id. */
  readonly requestId: number;
  /** This chunk's index. */
  readonly chunkIndex: number;
  /** Chunks in the frame. */
  readonly chunkCount: number;
  /** The tensor's raw byte length. */
  readonly totalBytes: number;
  /** Where this chunk's payload starts within the tensor's bytes. */
  readonly byteOffset: number;
  /** This chunk's payload length. */
  readonly payloadBytes: number;
}

/** Tensor header fields of chunk 0 (besides the ids the chunk header already has). */
export interface DecodedTensorHeader {
  /** Slice, tensor index/count and name (run/request ids come from the chunk header). */
  readonly fields: Omit<TensorFrameHeader, 'runId' | 'requestId'>;
  /** Element type. */
  readonly dtype: TensorDtype;
  /** Dimensions. */
  readonly dims: readonly number[];
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
let frameCounter = Math.floor(Math.random() * 0x1_0000_0000) >>> 0;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The checksum a chunk's headers should carry (chunk header without its checksum, then the tensor header). */
function headerChecksum(message: ArrayBuffer, tensorHeaderLength: number): number {
  const head = new Uint8Array(message, 0, CHECKSUM_OFFSET);
  if (tensorHeaderLength === 0) return crc32(head);
  const joined = new Uint8Array(CHECKSUM_OFFSET + tensorHeaderLength);
  joined.set(head);
  joined.set(new Uint8Array(message, CHUNK_HEADER_BYTES, tensorHeaderLength), CHECKSUM_OFFSET);
  return crc32(joined);
}

/**
 * Recompute a chunk's header checksum in place and return it: for tests and fuzzers that forge a
 * well-formed chunk with changed fields (the receiver must then refuse it for what it says).
 */
export function resealChunk(message: ArrayBuffer): ArrayBuffer {
  const view = new DataView(message);
  const length = Math.min(view.getUint16(6, true), Math.max(0, message.byteLength - CHUNK_HEADER_BYTES));
  view.setUint32(CHECKSUM_OFFSET, headerChecksum(message, length), true);
  return message;
}

/** A fresh frame id (a per-realm counter from a random start, wrapping at 2^32). */
export function nextFrameId(): number {
  frameCounter = (frameCounter + 1) >>> 0;
  return frameCounter;
}

function checkUint(value: number, bits: 16 | 32, what: string): void {
  const max = bits === 16 ? 0xffff : 0xffff_ffff;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${what} ${value} is not a uint${bits}`);
}

/** Bytes of chunk 0's tensor header for this name and rank. */
export function tensorHeaderBytes(nameBytes: number, rank: number): number {
  return TENSOR_HEADER_FIXED_BYTES + 4 * rank + nameBytes;
}

/**
 * Cut a tensor into messages of at most `maxMessageBytes` each. Copies the tensor's bytes once
 * (into the messages). Throws RangeError on a header that cannot be encoded or a tensor whose data
 * length disagrees with its dims.
 */
export function encodeTensorFrames(
  header: TensorFrameHeader,
  tensor: TensorData,
  maxMessageBytes = DEFAULT_FRAME_MESSAGE_BYTES,
  frameId = nextFrameId(),
): ArrayBuffer[] {
  if (!LITTLE_ENDIAN_HOST) throw new RangeError('tensor frames need a little-endian host');
  checkUint(header.runId, 32, 'run id');
  checkUint(header.requestId, 32, 'request id');
  checkUint(header.sliceIndex, 16, 'slice index');
  checkUint(header.tensorCount, 16, 'tensor count');
  checkUint(header.tensorIndex, 16, 'tensor index');
  checkUint(frameId, 32, 'frame id');
  if (header.tensorCount < 1 || header.tensorIndex >= header.tensorCount) {
    throw new RangeError(`tensor index ${header.tensorIndex} is outside a group of ${header.tensorCount}`);
  }
  const code = DTYPE_CODES[tensor.dtype];
  if (code === undefined) throw new RangeError(`unknown dtype ${String(tensor.dtype)}`);
  const rank = tensor.dims.length;
  if (rank > MAX_FRAME_RANK) throw new RangeError(`rank ${rank} exceeds ${MAX_FRAME_RANK}`);
  for (const dim of tensor.dims) checkUint(dim, 32, 'dim');
  const name = utf8.encode(header.name);
  if (name.byteLength > MAX_FRAME_NAME_BYTES) throw new RangeError(`name of ${name.byteLength} bytes exceeds ${MAX_FRAME_NAME_BYTES}`);
  const totalBytes = elementCount(tensor.dims) * BYTES_PER_ELEMENT[tensor.dtype];
  if (tensor.data.byteLength !== totalBytes) {
    throw new RangeError(`${tensor.dtype} tensor [${tensor.dims.join(',')}] needs ${totalBytes} bytes, data has ${tensor.data.byteLength}`);
  }
  checkUint(totalBytes, 32, 'tensor byte length');
  const headBytes = tensorHeaderBytes(name.byteLength, rank);
  const capacity = maxMessageBytes - CHUNK_HEADER_BYTES;
  const firstCapacity = capacity - headBytes;
  if (firstCapacity < 0 || capacity < 1) {
    throw new RangeError(`a ${maxMessageBytes}-byte message cannot hold the ${CHUNK_HEADER_BYTES + headBytes}-byte frame header`);
  }
  const rest = Math.max(0, totalBytes - firstCapacity);
  const chunkCount = 1 + Math.ceil(rest / capacity);
  const source = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, totalBytes);
  const messages: ArrayBuffer[] = [];
  let offset = 0;
  for (let index = 0; index < chunkCount; index++) {
    const head = index === 0 ? headBytes : 0;
    const take = Math.min(totalBytes - offset, capacity - head);
    const message = new ArrayBuffer(CHUNK_HEADER_BYTES + head + take);
    const view = new DataView(message);
    view.setUint32(0, TENSOR_FRAME_MAGIC, true);
    view.setUint8(4, TENSOR_FRAME_VERSION);
    view.setUint16(6, head, true);
    view.setUint32(8, frameId, true);
    view.setUint32(12, header.runId, true);
    view.setUint32(16, header.requestId, true);
    view.setUint32(20, index, true);
    view.setUint32(24, chunkCount, true);
    view.setUint32(28, totalBytes, true);
    view.setUint32(32, offset, true);
    if (index === 0) {
      const at = CHUNK_HEADER_BYTES;
      view.setUint16(at, header.sliceIndex, true);
      view.setUint16(at + 2, header.tensorIndex, true);
      view.setUint16(at + 4, header.tensorCount, true);
      view.setUint8(at + 6, code);
      view.setUint8(at + 7, rank);
      view.setUint16(at + 8, name.byteLength, true);
      tensor.dims.forEach((dim, i) => view.setUint32(at + TENSOR_HEADER_FIXED_BYTES + 4 * i, dim, true));
      new Uint8Array(message, at + TENSOR_HEADER_FIXED_BYTES + 4 * rank, name.byteLength).set(name);
    }
    view.setUint32(CHECKSUM_OFFSET, headerChecksum(message, head), true);
    new Uint8Array(message, CHUNK_HEADER_BYTES + head, take).set(source.subarray(offset, offset + take));
    offset += take;
    messages.push(message);
  }
  return messages;
}

/** Whether a binary message starts like a tensor frame chunk (magic only; use to route messages). */
export function isTensorFrameChunk(message: ArrayBuffer): boolean {
  return message.byteLength >= 4 && new DataView(message).getUint32(0, true) === TENSOR_FRAME_MAGIC;
}

/** Read and check a chunk header. Throws FrameError('malformed' | 'unsupported-version'). */
export function decodeChunkHeader(message: ArrayBuffer): ChunkHeader {
  if (message.byteLength < CHUNK_HEADER_BYTES) {
    throw new FrameError('malformed', `message of ${message.byteLength} bytes is shorter than the ${CHUNK_HEADER_BYTES}-byte chunk header`);
  }
  const view = new DataView(message);
  const magic = view.getUint32(0, true);
  if (magic !== TENSOR_FRAME_MAGIC) throw new FrameError('malformed', `bad magic 0x${magic.toString(16)}`);
  const version = view.getUint8(4);
  if (version !== TENSOR_FRAME_VERSION) {
    throw new FrameError('unsupported-version', `frame format ${version}, this build speaks ${TENSOR_FRAME_VERSION}`);
  }
  const chunk: ChunkHeader = {
    version,
    tensorHeaderBytes: view.getUint16(6, true),
    frameId: view.getUint32(8, true),
    runId: view.getUint32(12, true),
    requestId: view.getUint32(16, true),
    chunkIndex: view.getUint32(20, true),
    chunkCount: view.getUint32(24, true),
    totalBytes: view.getUint32(28, true),
    byteOffset: view.getUint32(32, true),
    payloadBytes: 0,
  };
  if (chunk.chunkCount < 1 || chunk.chunkIndex >= chunk.chunkCount) {
    throw new FrameError('malformed', `chunk ${chunk.chunkIndex} of ${chunk.chunkCount}`);
  }
  if ((chunk.chunkIndex === 0) !== (chunk.tensorHeaderBytes > 0)) {
    throw new FrameError('malformed', `chunk ${chunk.chunkIndex} has a ${chunk.tensorHeaderBytes}-byte tensor header`);
  }
  const payloadBytes = message.byteLength - CHUNK_HEADER_BYTES - chunk.tensorHeaderBytes;
  if (payloadBytes < 0) {
    throw new FrameError('malformed', `tensor header of ${chunk.tensorHeaderBytes} bytes overruns a ${message.byteLength}-byte message`);
  }
  const carried = view.getUint32(CHECKSUM_OFFSET, true);
  const computed = headerChecksum(message, chunk.tensorHeaderBytes);
  if (carried !== computed) {
    throw new FrameError('bad-checksum', `header checksum 0x${carried.toString(16)} != 0x${computed.toString(16)} (frame ${chunk.frameId} chunk ${chunk.chunkIndex})`);
  }
  if (chunk.byteOffset + payloadBytes > chunk.totalBytes) {
    throw new FrameError('malformed', `chunk payload [${chunk.byteOffset}, ${chunk.byteOffset + payloadBytes}) overruns ${chunk.totalBytes} bytes`);
  }
  return { ...chunk, payloadBytes };
}

/** Read chunk 0's tensor header and check it against the frame's total bytes. Throws FrameError. */
export function decodeTensorHeader(message: ArrayBuffer, chunk: ChunkHeader): DecodedTensorHeader {
  const at = CHUNK_HEADER_BYTES;
  const length = chunk.tensorHeaderBytes;
  if (length < TENSOR_HEADER_FIXED_BYTES) throw new FrameError('malformed', `tensor header of ${length} bytes is too short`);
  const view = new DataView(message, at, length);
  const sliceIndex = view.getUint16(0, true);
  const tensorIndex = view.getUint16(2, true);
  const tensorCount = view.getUint16(4, true);
  const code = view.getUint8(6);
  const rank = view.getUint8(7);
  const nameBytes = view.getUint16(8, true);
  if (tensorCount < 1 || tensorIndex >= tensorCount) {
    throw new FrameError('malformed', `tensor index ${tensorIndex} outside a group of ${tensorCount}`);
  }
  const dtype = DTYPE_BY_CODE.get(code);
  if (dtype === undefined) throw new FrameError('malformed', `unknown dtype code ${code}`);
  if (tensorHeaderBytes(nameBytes, rank) !== length || nameBytes > MAX_FRAME_NAME_BYTES) {
    throw new FrameError('malformed', `tensor header says rank ${rank} and a ${nameBytes}-byte name but is ${length} bytes`);
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(TENSOR_HEADER_FIXED_BYTES + 4 * i, true));
  let name: string;
  try {
    name = utf8Strict.decode(new Uint8Array(message, at + TENSOR_HEADER_FIXED_BYTES + 4 * rank, nameBytes));
  } catch (error) {
    throw new FrameError('malformed', `tensor name is not UTF-8 (${(error as Error).message})`);
  }
  const expected = elementCount(dims) * BYTES_PER_ELEMENT[dtype];
  if (expected !== chunk.totalBytes) {
    throw new FrameError('size-mismatch', `${dtype} [${dims.join(',')}] needs ${expected} bytes, frame carries ${chunk.totalBytes}`);
  }
  return { fields: { sliceIndex, tensorIndex, tensorCount, name }, dtype, dims };
}
