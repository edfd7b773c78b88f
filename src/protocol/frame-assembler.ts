/**
 * The receiving side of tensor frames (format in tensor-frame.ts): chunks in, whole tensors and
 * whole request groups out. Each chunk is copied once, straight into a buffer allocated at the
 * frame's first chunk; the finished tensor is a view of that buffer (no concatenation, and the
 * buffer holds exactly the tensor, so it can be transferred to a worker as is). Bad chunks are
 * refused as data (`{ kind: 'rejected', error }`), counted per reason, and never throw.
 * Frame ids are unique per sender only: keep one assembler per inbound link.
 */
import { viewTensorArray } from '../runtime/tensor';
import {
  FRAME_ERROR_REASONS,
  FrameError,
  decodeChunkHeader,
  decodeTensorHeader,
  type ChunkHeader,
  type DecodedTensorHeader,
  type FrameErrorReason,
  type TensorFrame,
} from './tensor-frame';

/** Limits and hooks of a {@link FrameAssembler}. */
export interface FrameAssemblerOptions {
  /** Largest tensor accepted, bytes (default 256 MiB). */
  readonly maxFrameBytes?: number;
  /** Most bytes held at once for incomplete frames and incomplete groups (default 1 GiB). */
  readonly maxHeldBytes?: number;
  /** Refuse frames of requests the receiver does not expect (checked on a frame's first chunk). */
  readonly acceptRequest?: (runId: number, requestId: number) => boolean;
  /** Clock for the age of incomplete frames, ms (default Date.now). */
  readonly now?: () => number;
}

/** All tensors of one request's group (same run, request and slice), in tensor-index order. */
export interface FrameGroup {
  /** Run id. */
  readonly runId: number;
  /** Request id. */
  readonly requestId: number;
  /** Slice index. */
  readonly sliceIndex: number;
  /** One frame per tensor index, `tensors[i].header.tensorIndex === i`. */
  readonly frames: readonly TensorFrame[];
}

/** What one pushed chunk did. */
export type FramePushResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'frame'; readonly frame: TensorFrame; readonly group?: FrameGroup }
  | { readonly kind: 'rejected'; readonly error: FrameError };

/** Counters of an assembler (numbers only, safe to show). */
export interface FrameAssemblerStats {
  /** Chunks accepted (stored). */
  readonly chunksAccepted: number;
  /** Frames completed. */
  readonly framesCompleted: number;
  /** Groups completed. */
  readonly groupsCompleted: number;
  /** Rejected chunks by reason. */
  readonly rejected: Readonly<Record<FrameErrorReason, number>>;
  /** Incomplete frames and groups dropped by a discard call. */
  readonly discarded: number;
  /** Incomplete frames held now. */
  readonly pendingFrames: number;
  /** Bytes held now for incomplete frames and groups. */
  readonly heldBytes: number;
}

interface PartialFrame {
  readonly chunk: ChunkHeader;
  readonly bytes: Uint8Array;
  readonly seen: Uint8Array;
  chunksReceived: number;
  bytesReceived: number;
  head: DecodedTensorHeader | undefined;
  readonly startedAt: number;
}

interface PartialGroup {
  readonly runId: number;
  readonly requestId: number;
  readonly sliceIndex: number;
  readonly tensorCount: number;
  readonly frames: (TensorFrame | undefined)[];
  have: number;
  bytes: number;
  readonly startedAt: number;
}

/** Frame ids remembered after a frame was refused or discarded, so its late chunks are refused too. */
const POISON_MEMORY = 1024;
const pending = { kind: 'pending' } as const;

/** Reassembles tensor frames from one sender. */
export class FrameAssembler {
  private readonly frames = new Map<number, PartialFrame>();
  private readonly groups = new Map<string, PartialGroup>();
  private readonly poisoned = new Map<number, FrameErrorReason>();
  private readonly maxFrameBytes: number;
  private readonly maxHeldBytes: number;
  private readonly now: () => number;
  private held = 0;
  private counts = { chunksAccepted: 0, framesCompleted: 0, groupsCompleted: 0, discarded: 0 };
  private readonly rejected = Object.fromEntries(FRAME_ERROR_REASONS.map((r) => [r, 0])) as Record<FrameErrorReason, number>;

  constructor(private readonly options: FrameAssemblerOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 256 * 1024 * 1024;
    this.maxHeldBytes = options.maxHeldBytes ?? 1024 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** Take one inbound binary message. Never throws for bad input: a refusal is a result. */
  push(message: ArrayBuffer): FramePushResult {
    try {
      return this.accept(message);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.rejected[error.reason]++;
      return { kind: 'rejected', error };
    }
  }

  /** Counters, a snapshot. */
  get stats(): FrameAssemblerStats {
    return { ...this.counts, rejected: { ...this.rejected }, pendingFrames: this.frames.size, heldBytes: this.held };
  }

  /** Drop incomplete frames and groups of one request (every slice); returns how many were dropped. */
  discardRequest(runId: number, requestId: number): number {
    return this.discardWhere((f) => f.runId === runId && f.requestId === requestId);
  }

  /** Drop incomplete frames and groups of a whole run; returns how many were dropped. */
  discardRun(runId: number): number {
    return this.discardWhere((f) => f.runId === runId);
  }

  /** Drop incomplete frames and groups started more than `ageMs` ago; returns how many were dropped. */
  discardOlderThan(ageMs: number): number {
    const cutoff = this.now() - ageMs;
    return this.discardWhere((_f, startedAt) => startedAt < cutoff);
  }

  private discardWhere(match: (ids: { runId: number; requestId: number }, startedAt: number) => boolean): number {
    let dropped = 0;
    for (const [frameId, frame] of this.frames) {
      if (!match(frame.chunk, frame.startedAt)) continue;
      this.dropFrame(frameId, frame, 'discarded');
      dropped++;
    }
    for (const [key, group] of this.groups) {
      if (!match(group, group.startedAt)) continue;
      this.groups.delete(key);
      this.held -= group.bytes;
      dropped++;
    }
    this.counts.discarded += dropped;
    return dropped;
  }

  private accept(message: ArrayBuffer): FramePushResult {
    const chunk = decodeChunkHeader(message);
    const poison = this.poisoned.get(chunk.frameId);
    if (poison !== undefined) throw new FrameError(poison, `late chunk ${chunk.chunkIndex} of refused frame ${chunk.frameId}`);
    let frame = this.frames.get(chunk.frameId);
    if (!frame) frame = this.open(chunk);
    else this.checkSameFrame(frame, chunk);
    const bit = 1 << (chunk.chunkIndex & 7);
    const slot = chunk.chunkIndex >>> 3;
    if ((frame.seen[slot]! & bit) !== 0) {
      throw new FrameError('duplicate-chunk', `chunk ${chunk.chunkIndex} of frame ${chunk.frameId} arrived twice`);
    }
    let head: DecodedTensorHeader | undefined;
    if (chunk.chunkIndex === 0) {
      try {
        head = decodeTensorHeader(message, chunk);
      } catch (error) {
        if (error instanceof FrameError) this.dropFrame(chunk.frameId, frame, error.reason);
        throw error;
      }
      frame.head = head;
    }
    frame.seen[slot]! |= bit;
    frame.chunksReceived++;
    frame.bytesReceived += chunk.payloadBytes;
    frame.bytes.set(new Uint8Array(message, message.byteLength - chunk.payloadBytes, chunk.payloadBytes), chunk.byteOffset);
    this.counts.chunksAccepted++;
    if (frame.chunksReceived < chunk.chunkCount) return pending;
    return this.complete(chunk.frameId, frame);
  }

  private open(chunk: ChunkHeader): PartialFrame {
    const refuse = (reason: FrameErrorReason, text: string): never => {
      this.poison(chunk.frameId, reason);
      throw new FrameError(reason, text);
    };
    if (chunk.totalBytes > this.maxFrameBytes) {
      refuse('oversized', `frame of ${chunk.totalBytes} bytes exceeds the ${this.maxFrameBytes}-byte limit`);
    }
    // Every chunk but the first carries at least one byte, so more chunks than that is a lie.
    if (chunk.chunkCount > chunk.totalBytes + 1) {
      refuse('malformed', `${chunk.chunkCount} chunks for ${chunk.totalBytes} bytes`);
    }
    if (this.held + chunk.totalBytes > this.maxHeldBytes) {
      refuse('over-budget', `holding ${this.held} bytes; ${chunk.totalBytes} more exceeds ${this.maxHeldBytes}`);
    }
    const accept = this.options.acceptRequest;
    if (accept && !accept(chunk.runId, chunk.requestId)) {
      refuse('unknown-request', `run ${chunk.runId} request ${chunk.requestId} is not expected here`);
    }
    const frame: PartialFrame = {
      chunk,
      bytes: new Uint8Array(chunk.totalBytes),
      seen: new Uint8Array(Math.ceil(chunk.chunkCount / 8)),
      chunksReceived: 0,
      bytesReceived: 0,
      head: undefined,
      startedAt: this.now(),
    };
    this.frames.set(chunk.frameId, frame);
    this.held += chunk.totalBytes;
    return frame;
  }

  private checkSameFrame(frame: PartialFrame, chunk: ChunkHeader): void {
    const first = frame.chunk;
    if (
      first.chunkCount !== chunk.chunkCount ||
      first.totalBytes !== chunk.totalBytes ||
      first.runId !== chunk.runId ||
      first.requestId !== chunk.requestId
    ) {
      this.dropFrame(chunk.frameId, frame, 'chunk-mismatch');
      throw new FrameError(
        'chunk-mismatch',
        `frame ${chunk.frameId}: chunk ${chunk.chunkIndex} says ${chunk.chunkCount} chunks/${chunk.totalBytes} bytes ` +
          `(run ${chunk.runId} request ${chunk.requestId}), earlier chunks said ${first.chunkCount}/${first.totalBytes} ` +
          `(run ${first.runId} request ${first.requestId})`,
      );
    }
  }

  private complete(frameId: number, frame: PartialFrame): FramePushResult {
    this.frames.delete(frameId);
    this.held -= frame.chunk.totalBytes;
    const { chunk, head } = frame;
    if (frame.bytesReceived !== chunk.totalBytes || !head) {
      this.poison(frameId, 'size-mismatch');
      throw new FrameError('size-mismatch', `frame ${frameId}: ${chunk.chunkCount} chunks brought ${frame.bytesReceived} of ${chunk.totalBytes} bytes`);
    }
    const tensorFrame: TensorFrame = {
      header: { runId: chunk.runId, requestId: chunk.requestId, ...head.fields },
      tensor: { dtype: head.dtype, dims: head.dims, data: viewTensorArray(head.dtype, frame.bytes) },
    };
    this.counts.framesCompleted++;
    const group = this.addToGroup(tensorFrame);
    return group ? { kind: 'frame', frame: tensorFrame, group } : { kind: 'frame', frame: tensorFrame };
  }

  private addToGroup(frame: TensorFrame): FrameGroup | undefined {
    const { runId, requestId, sliceIndex, tensorIndex, tensorCount } = frame.header;
    const bytes = frame.tensor.data.byteLength;
    const key = `${runId}/${requestId}/${sliceIndex}`;
    let group = this.groups.get(key);
    if (!group && tensorCount === 1) {
      this.counts.groupsCompleted++;
      return { runId, requestId, sliceIndex, frames: [frame] };
    }
    if (!group) {
      group = { runId, requestId, sliceIndex, tensorCount, frames: new Array<TensorFrame | undefined>(tensorCount).fill(undefined), have: 0, bytes: 0, startedAt: this.now() };
      this.groups.set(key, group);
    }
    if (group.tensorCount !== tensorCount) {
      throw new FrameError('group-mismatch', `request ${requestId} slice ${sliceIndex}: tensor "${frame.header.name}" says ${tensorCount} tensors, earlier ones said ${group.tensorCount}`);
    }
    if (group.frames[tensorIndex] !== undefined) {
      throw new FrameError('group-mismatch', `request ${requestId} slice ${sliceIndex}: tensor index ${tensorIndex} arrived twice`);
    }
    group.frames[tensorIndex] = frame;
    group.have++;
    group.bytes += bytes;
    this.held += bytes;
    if (group.have < tensorCount) return undefined;
    this.groups.delete(key);
    this.held -= group.bytes;
    this.counts.groupsCompleted++;
    return { runId, requestId, sliceIndex, frames: group.frames as TensorFrame[] };
  }

  private dropFrame(frameId: number, frame: PartialFrame, reason: FrameErrorReason): void {
    if (this.frames.delete(frameId)) this.held -= frame.chunk.totalBytes;
    this.poison(frameId, reason);
  }

  private poison(frameId: number, reason: FrameErrorReason): void {
    this.poisoned.set(frameId, reason);
    if (this.poisoned.size > POISON_MEMORY) {
      const oldest = this.poisoned.keys().next();
      if (!oldest.done) this.poisoned.delete(oldest.value);
    }
  }
}
