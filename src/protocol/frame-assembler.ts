/**
 * The receiving side of tensor frames (format in tensor-frame.ts): chunks in, whole tensors and
 * whole request groups out. Each chunk is copied once, straight into a buffer allocated at the
 * frame's first chunk; the finished tensor is a view of that buffer (no concatenation, and the
 * buffer holds exactly the tensor, so it can be transferred to a worker as is). Bad chunks are
 * refused as data (`{ kind: 'rejected', error }`), counted per reason, and never throw.
 *
 * Memory stays bounded whatever a peer sends (issue 13, findings 4-6): every allocation made for a
 * peer's data (tensor buffer, per-chunk ranges, pending-frame and group entries with their slot
 * arrays, remembered frame ids) is reserved first in a {@link ReceiverBudget}, which one node
 * shares across all its links; tensor counts are capped by what the deployment expects; entries
 * that stop making progress are evicted by age; chunk ranges must tile the frame exactly; a
 * completed frame id is remembered so a replay is refused.
 *
 * Frame ids are unique per sender only: keep one assembler per inbound link, and `close()` it when
 * the link closes (it gives its bytes back to the shared budget).
 */
import { viewTensorArray } from '../runtime/tensor';
import { ReceiverBudget, type BudgetMember } from './receiver-budget';
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
  /**
   * Most bytes this link may hold at once (default: the budget's limit; 1 GiB when no budget is
   * given). Lets a node keep one link from taking the whole shared budget.
   */
  readonly maxHeldBytes?: number;
  /** The node-wide budget shared by every link's assembler (default: a private one of `maxHeldBytes`). */
  readonly budget?: ReceiverBudget;
  /** Refuse frames of requests the receiver does not expect (checked on a frame's first chunk). */
  readonly acceptRequest?: (runId: number, requestId: number) => boolean;
  /**
   * How many tensors the group of (run, request, slice) must have, e.g. the number of inputs of the
   * slice deployed here; undefined refuses the frame as `unknown-request`. Checked on chunk 0.
   */
  readonly expectTensorCount?: (runId: number, requestId: number, sliceIndex: number) => number | undefined;
  /** Largest tensor count accepted whatever the hook says (default 64). */
  readonly maxTensorCount?: number;
  /** An incomplete frame or group with no progress for this long is evicted, ms (default 20 s). */
  readonly maxIdleMs?: number;
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
  /** Incomplete frames and groups evicted for idling longer than `maxIdleMs`. */
  readonly evicted: number;
  /** Incomplete frames held now. */
  readonly pendingFrames: number;
  /** Incomplete groups held now. */
  readonly pendingGroups: number;
  /** Bytes held now for incomplete frames and groups (buffers and bookkeeping). */
  readonly heldBytes: number;
  /** Bytes charged for remembered frame ids (replay and late-chunk memory), bounded by their capacities. */
  readonly idMemoryBytes: number;
}

/**
 * Bytes charged per pending frame besides its tensor bytes: the entry object, its chunk header,
 * three typed arrays with their buffers, and the map entry. Measured live size in Node 20 is about
 * 1,000 bytes (bench/receiver.bench.ts); charged a little above so the budget errs on the safe side.
 */
export const FRAME_ENTRY_BYTES = 1024;
/** Bytes charged per pending group besides its slots (8 bytes each) and frames: entry, key, map entry. */
export const GROUP_ENTRY_BYTES = 512;
/** Bytes charged per finished frame a pending group holds besides its data: frame, header, dims, view. */
export const GROUP_MEMBER_BYTES = 512;
/** Bytes charged per chunk of a pending frame: its offset and length (2 x u32) and its seen bit. */
export const CHUNK_BOOKKEEPING_BYTES = 9;
/** Bytes charged per remembered frame id (refused or completed). */
export const REMEMBERED_ID_BYTES = 48;
/** Completed frame ids remembered per link, to refuse replays. */
export const COMPLETED_MEMORY = 8192;
/** Refused or discarded frame ids remembered per link, so their late chunks are refused too. */
export const POISON_MEMORY = 1024;

interface PartialFrame {
  readonly chunk: ChunkHeader;
  readonly bytes: Uint8Array;
  readonly seen: Uint8Array;
  /** offset, length of each chunk by index (for the exact-tiling check). */
  readonly ranges: Uint32Array;
  readonly chargedBytes: number;
  chunksReceived: number;
  bytesReceived: number;
  head: DecodedTensorHeader | undefined;
  lastActiveAt: number;
}

interface PartialGroup {
  readonly runId: number;
  readonly requestId: number;
  readonly sliceIndex: number;
  readonly tensorCount: number;
  readonly frames: (TensorFrame | undefined)[];
  have: number;
  /** Bytes charged to the budget (entry, slot array and the frames' data). */
  chargedBytes: number;
  lastActiveAt: number;
}

/** A first-in-first-out set of ids with a fixed capacity, charged to the budget. */
class IdMemory<V> {
  private readonly map = new Map<number, V>();
  constructor(private readonly capacity: number, private readonly charge: (bytes: number) => boolean, private readonly release: (bytes: number) => void) {}
  get(id: number): V | undefined {
    return this.map.get(id);
  }
  get size(): number {
    return this.map.size;
  }
  /** Remember `id`; forgets the oldest when full or when the budget refuses more. */
  add(id: number, value: V): void {
    if (this.map.has(id)) {
      this.map.set(id, value);
      return;
    }
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    } else if (!this.charge(REMEMBERED_ID_BYTES)) {
      // Over budget: forget the oldest instead of growing (with nothing to forget, the id is not
      // remembered: a replay of it would then be refused only by the run's own checks).
      const oldest = this.map.keys().next();
      if (oldest.done) return;
      this.map.delete(oldest.value);
    }
    this.map.set(id, value);
  }
  clear(): void {
    this.release(this.map.size * REMEMBERED_ID_BYTES);
    this.map.clear();
  }
}

const pending = { kind: 'pending' } as const;

/** Reassembles tensor frames from one sender. */
export class FrameAssembler implements BudgetMember {
  private readonly frames = new Map<number, PartialFrame>();
  private readonly groups = new Map<string, PartialGroup>();
  private readonly poisoned: IdMemory<FrameErrorReason>;
  private readonly completed: IdMemory<true>;
  private readonly maxFrameBytes: number;
  private readonly maxHeldBytes: number;
  private readonly maxTensorCount: number;
  private readonly maxIdleMs: number;
  private readonly budget: ReceiverBudget;
  private readonly now: () => number;
  private held = 0;
  private idBytes = 0;
  private closed = false;
  private counts = { chunksAccepted: 0, framesCompleted: 0, groupsCompleted: 0, discarded: 0, evicted: 0 };
  private readonly rejected = Object.fromEntries(FRAME_ERROR_REASONS.map((r) => [r, 0])) as Record<FrameErrorReason, number>;

  constructor(private readonly options: FrameAssemblerOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 256 * 1024 * 1024;
    this.budget = options.budget ?? new ReceiverBudget(options.maxHeldBytes ?? 1024 * 1024 * 1024);
    this.maxHeldBytes = options.maxHeldBytes ?? this.budget.maxBytes;
    this.maxTensorCount = options.maxTensorCount ?? 64;
    this.maxIdleMs = options.maxIdleMs ?? 20_000;
    this.now = options.now ?? Date.now;
    const charge = (bytes: number) => this.reserve(bytes, true);
    const release = (bytes: number) => this.release(bytes, true);
    this.poisoned = new IdMemory(POISON_MEMORY, charge, release);
    this.completed = new IdMemory(COMPLETED_MEMORY, charge, release);
    this.budget.join(this);
  }

  /** Take one inbound binary message. Never throws for bad input: a refusal is a result. */
  push(message: ArrayBuffer): FramePushResult {
    try {
      if (this.closed) throw new FrameError('discarded', 'the assembler is closed (its link closed)');
      this.evictIdle();
      return this.accept(message);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.rejected[error.reason]++;
      this.budget.countRejection(error.reason);
      return { kind: 'rejected', error };
    }
  }

  /** Counters, a snapshot. */
  get stats(): FrameAssemblerStats {
    return {
      ...this.counts,
      rejected: { ...this.rejected },
      pendingFrames: this.frames.size,
      pendingGroups: this.groups.size,
      heldBytes: this.held,
      idMemoryBytes: this.idBytes,
    };
  }

  /** Drop incomplete frames and groups of one request (every slice); returns how many were dropped. */
  discardRequest(runId: number, requestId: number): number {
    return this.discardWhere((f) => f.runId === runId && f.requestId === requestId);
  }

  /** Drop incomplete frames and groups of a whole run; returns how many were dropped. */
  discardRun(runId: number): number {
    return this.discardWhere((f) => f.runId === runId);
  }

  /** Drop incomplete frames and groups idle for more than `ageMs`; returns how many were dropped. */
  discardOlderThan(ageMs: number): number {
    const cutoff = this.now() - ageMs;
    return this.discardWhere((_f, lastActiveAt) => lastActiveAt < cutoff);
  }

  /**
   * Evict incomplete frames and groups idle for longer than `maxIdleMs` (their late chunks are
   * refused as `expired`). Runs on every push and when the shared budget is short; returns the
   * bytes freed.
   */
  evictIdle(): number {
    const cutoff = this.now() - this.maxIdleMs;
    const before = this.held;
    let evicted = 0;
    // Maps keep insertion order and entries are re-inserted on activity: the idlest come first.
    for (const [frameId, frame] of this.frames) {
      if (frame.lastActiveAt >= cutoff) break;
      this.dropFrame(frameId, frame, 'expired');
      evicted++;
    }
    for (const [key, group] of this.groups) {
      if (group.lastActiveAt >= cutoff) break;
      this.dropGroup(key, group);
      evicted++;
    }
    if (evicted > 0) {
      this.counts.evicted += evicted;
      this.budget.countEvicted(evicted);
    }
    return before - this.held;
  }

  /** Release everything this link holds and leave the budget; later pushes are refused. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [frameId, frame] of this.frames) this.dropFrame(frameId, frame, 'discarded');
    for (const [key, group] of this.groups) this.dropGroup(key, group);
    this.poisoned.clear();
    this.completed.clear();
    this.budget.release(this.held + this.idBytes);
    this.held = 0;
    this.idBytes = 0;
    this.budget.leave(this);
  }

  private reserve(bytes: number, forIds = false): boolean {
    if (this.held + this.idBytes + bytes > this.maxHeldBytes) return false;
    if (!this.budget.reserve(bytes)) return false;
    if (forIds) this.idBytes += bytes;
    else this.held += bytes;
    return true;
  }

  private release(bytes: number, forIds = false): void {
    if (forIds) this.idBytes -= bytes;
    else this.held -= bytes;
    this.budget.release(bytes);
  }

  private discardWhere(match: (ids: { runId: number; requestId: number }, lastActiveAt: number) => boolean): number {
    let dropped = 0;
    for (const [frameId, frame] of this.frames) {
      if (!match(frame.chunk, frame.lastActiveAt)) continue;
      this.dropFrame(frameId, frame, 'discarded');
      dropped++;
    }
    for (const [key, group] of this.groups) {
      if (!match(group, group.lastActiveAt)) continue;
      this.dropGroup(key, group);
      dropped++;
    }
    this.counts.discarded += dropped;
    return dropped;
  }

  private accept(message: ArrayBuffer): FramePushResult {
    const chunk = decodeChunkHeader(message);
    const poison = this.poisoned.get(chunk.frameId);
    if (poison !== undefined) throw new FrameError(poison, `late chunk ${chunk.chunkIndex} of refused frame ${chunk.frameId}`);
    if (this.completed.get(chunk.frameId)) throw new FrameError('replayed', `frame ${chunk.frameId} was already completed on this link`);
    let frame = this.frames.get(chunk.frameId);
    if (!frame) frame = this.open(chunk);
    else this.checkSameFrame(frame, chunk);
    const bit = 1 << (chunk.chunkIndex & 7);
    const slot = chunk.chunkIndex >>> 3;
    if ((frame.seen[slot]! & bit) !== 0) {
      throw new FrameError('duplicate-chunk', `chunk ${chunk.chunkIndex} of frame ${chunk.frameId} arrived twice`);
    }
    this.checkRange(frame, chunk);
    let head: DecodedTensorHeader | undefined;
    if (chunk.chunkIndex === 0) {
      try {
        head = decodeTensorHeader(message, chunk);
        this.checkTensorCount(chunk, head);
      } catch (error) {
        if (error instanceof FrameError) this.dropFrame(chunk.frameId, frame, error.reason);
        throw error;
      }
      frame.head = head;
    }
    frame.seen[slot]! |= bit;
    frame.ranges[2 * chunk.chunkIndex] = chunk.byteOffset;
    frame.ranges[2 * chunk.chunkIndex + 1] = chunk.payloadBytes;
    frame.chunksReceived++;
    frame.bytesReceived += chunk.payloadBytes;
    frame.bytes.set(new Uint8Array(message, message.byteLength - chunk.payloadBytes, chunk.payloadBytes), chunk.byteOffset);
    this.counts.chunksAccepted++;
    // Re-insert so the map stays ordered by last activity (eviction walks it from the front).
    frame.lastActiveAt = this.now();
    this.frames.delete(chunk.frameId);
    this.frames.set(chunk.frameId, frame);
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
    const accept = this.options.acceptRequest;
    if (accept && !accept(chunk.runId, chunk.requestId)) {
      refuse('unknown-request', `run ${chunk.runId} request ${chunk.requestId} is not expected here`);
    }
    const charge = FRAME_ENTRY_BYTES + chunk.totalBytes + CHUNK_BOOKKEEPING_BYTES * chunk.chunkCount;
    if (!this.reserve(charge)) {
      refuse(
        'over-budget',
        `frame needs ${charge} bytes; this link holds ${this.held} of ${this.maxHeldBytes}, the node ${this.budget.heldBytes} of ${this.budget.maxBytes}`,
      );
    }
    const frame: PartialFrame = {
      chunk,
      bytes: new Uint8Array(chunk.totalBytes),
      seen: new Uint8Array(Math.ceil(chunk.chunkCount / 8)),
      ranges: new Uint32Array(2 * chunk.chunkCount),
      chargedBytes: charge,
      chunksReceived: 0,
      bytesReceived: 0,
      head: undefined,
      lastActiveAt: this.now(),
    };
    this.frames.set(chunk.frameId, frame);
    return frame;
  }

  /** Cheap per-chunk tiling rules; the full check (no gap, no overlap) runs at completion. */
  private checkRange(frame: PartialFrame, chunk: ChunkHeader): void {
    const last = chunk.chunkIndex === chunk.chunkCount - 1;
    let problem: string | undefined;
    if (chunk.chunkIndex === 0 && chunk.byteOffset !== 0) problem = `chunk 0 starts at byte ${chunk.byteOffset}`;
    else if (chunk.chunkIndex > 0 && chunk.payloadBytes === 0) problem = `chunk ${chunk.chunkIndex} carries no bytes`;
    else if (last && chunk.byteOffset + chunk.payloadBytes !== chunk.totalBytes) {
      problem = `last chunk ends at byte ${chunk.byteOffset + chunk.payloadBytes} of ${chunk.totalBytes}`;
    }
    if (problem === undefined) return;
    this.dropFrame(chunk.frameId, frame, 'bad-tiling');
    throw new FrameError('bad-tiling', `frame ${chunk.frameId}: ${problem}`);
  }

  private checkTensorCount(chunk: ChunkHeader, head: DecodedTensorHeader): void {
    const { tensorCount, sliceIndex } = head.fields;
    if (tensorCount > this.maxTensorCount) {
      throw new FrameError('unexpected-count', `a group of ${tensorCount} tensors exceeds this receiver's cap of ${this.maxTensorCount}`);
    }
    const hook = this.options.expectTensorCount;
    if (!hook) return;
    const expected = hook(chunk.runId, chunk.requestId, sliceIndex);
    if (expected === undefined) {
      throw new FrameError('unknown-request', `run ${chunk.runId} request ${chunk.requestId} slice ${sliceIndex} is not expected here`);
    }
    if (expected !== tensorCount) {
      throw new FrameError('unexpected-count', `slice ${sliceIndex} takes ${expected} tensors, the frame says ${tensorCount}`);
    }
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

  /** The chunks, in index order, must cover [0, total) exactly once: each starts where the last ended. */
  private tilingProblem(frame: PartialFrame): string | undefined {
    const { ranges, chunk } = frame;
    let end = 0;
    for (let i = 0; i < chunk.chunkCount; i++) {
      const offset = ranges[2 * i]!;
      if (offset !== end) return `chunk ${i} starts at byte ${offset}, the previous chunk ended at ${end} (${offset < end ? 'overlap' : 'gap'})`;
      end = offset + ranges[2 * i + 1]!;
    }
    return end === chunk.totalBytes ? undefined : `chunks cover ${end} of ${chunk.totalBytes} bytes`;
  }

  private complete(frameId: number, frame: PartialFrame): FramePushResult {
    this.frames.delete(frameId);
    this.release(frame.chargedBytes);
    const { chunk, head } = frame;
    if (!head) {
      this.poison(frameId, 'malformed');
      throw new FrameError('malformed', `frame ${frameId} completed without a tensor header`);
    }
    const tiling = this.tilingProblem(frame);
    if (tiling !== undefined) {
      this.poison(frameId, 'bad-tiling');
      throw new FrameError('bad-tiling', `frame ${frameId}: ${tiling}`);
    }
    this.completed.add(frameId, true);
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
    if (group && group.tensorCount !== tensorCount) {
      throw new FrameError('group-mismatch', `request ${requestId} slice ${sliceIndex}: tensor "${frame.header.name}" says ${tensorCount} tensors, earlier ones said ${group.tensorCount}`);
    }
    if (group && group.frames[tensorIndex] !== undefined) {
      throw new FrameError('group-mismatch', `request ${requestId} slice ${sliceIndex}: tensor index ${tensorIndex} arrived twice`);
    }
    const charge = (group ? 0 : GROUP_ENTRY_BYTES + 8 * tensorCount) + GROUP_MEMBER_BYTES + bytes;
    if (!this.reserve(charge)) {
      throw new FrameError('over-budget', `holding tensor ${tensorIndex} of request ${requestId} needs ${charge} bytes; the node holds ${this.budget.heldBytes} of ${this.budget.maxBytes}`);
    }
    if (!group) {
      group = { runId, requestId, sliceIndex, tensorCount, frames: new Array<TensorFrame | undefined>(tensorCount).fill(undefined), have: 0, chargedBytes: 0, lastActiveAt: 0 };
    }
    group.frames[tensorIndex] = frame;
    group.have++;
    group.chargedBytes += charge;
    group.lastActiveAt = this.now();
    this.groups.delete(key);
    if (group.have < tensorCount) {
      this.groups.set(key, group);
      return undefined;
    }
    this.release(group.chargedBytes);
    this.counts.groupsCompleted++;
    return { runId, requestId, sliceIndex, frames: group.frames as TensorFrame[] };
  }

  private dropFrame(frameId: number, frame: PartialFrame, reason: FrameErrorReason): void {
    if (this.frames.get(frameId) === frame) {
      this.frames.delete(frameId);
      this.release(frame.chargedBytes);
    }
    this.poison(frameId, reason);
  }

  private dropGroup(key: string, group: PartialGroup): void {
    if (this.groups.get(key) !== group) return;
    this.groups.delete(key);
    this.release(group.chargedBytes);
  }

  private poison(frameId: number, reason: FrameErrorReason): void {
    if (this.closed) return;
    this.poisoned.add(frameId, reason);
  }
}
