/**
 * One memory budget per receiving node, shared by the frame assemblers of all its links (issue 13,
 * finding 5: every link had its own 1 GiB budget, so three rogue links held 3 GiB). Every
 * allocation an assembler makes for a peer's data is reserved here first: tensor buffers, the
 * per-chunk bookkeeping, pending-frame and group entries and their slot arrays. When a
 * reservation does not fit, the budget first evicts what went idle longest ago across every
 * registered assembler (eviction by age), then refuses. Rejections of all assemblers are counted
 * here by reason too, so a node has one set of figures.
 */
import { FRAME_ERROR_REASONS, type FrameErrorReason } from './tensor-frame';

/** What a budget needs from an assembler to evict across links. */
export interface BudgetMember {
  /** Drop incomplete entries idle for longer than the member's idle limit; returns bytes freed. */
  evictIdle(): number;
}

/** Counters of a {@link ReceiverBudget} (numbers only, safe to show). */
export interface ReceiverBudgetStats {
  /** The limit, bytes. */
  readonly maxBytes: number;
  /** Bytes reserved now. */
  readonly heldBytes: number;
  /** Most bytes ever reserved at once. */
  readonly peakBytes: number;
  /** Reservations refused because they did not fit even after eviction. */
  readonly refusals: number;
  /** Incomplete frames and groups evicted for idling too long (any assembler). */
  readonly evicted: number;
  /** Chunks refused by every assembler of this budget, by reason. */
  readonly rejected: Readonly<Record<FrameErrorReason, number>>;
  /** Assemblers (links) registered now. */
  readonly members: number;
}

/** Thrown on a budget limit that is not a positive number of bytes. */
export class ReceiverBudgetError extends Error {
  override name = 'ReceiverBudgetError';
}

/** A node-wide cap on the bytes held for peers' incomplete frames and groups. */
export class ReceiverBudget {
  private held = 0;
  private peak = 0;
  private refusalCount = 0;
  private evictedCount = 0;
  private readonly members = new Set<BudgetMember>();
  private readonly rejectedByReason = Object.fromEntries(FRAME_ERROR_REASONS.map((r) => [r, 0])) as Record<FrameErrorReason, number>;

  /** @param maxBytes the node-wide limit (default 512 MiB). */
  constructor(readonly maxBytes = 512 * 1024 * 1024) {
    if (!Number.isFinite(maxBytes) || maxBytes <= 0) throw new ReceiverBudgetError(`receiver budget must be a positive number of bytes, got ${maxBytes}`);
  }

  /** Bytes reserved now. */
  get heldBytes(): number {
    return this.held;
  }

  /** Counters, a snapshot. */
  get stats(): ReceiverBudgetStats {
    return {
      maxBytes: this.maxBytes,
      heldBytes: this.held,
      peakBytes: this.peak,
      refusals: this.refusalCount,
      evicted: this.evictedCount,
      rejected: { ...this.rejectedByReason },
      members: this.members.size,
    };
  }

  /** Register an assembler so the budget can evict its idle entries under pressure. */
  join(member: BudgetMember): void {
    this.members.add(member);
  }

  /** Unregister (the assembler must release what it holds first). */
  leave(member: BudgetMember): void {
    this.members.delete(member);
  }

  /**
   * Reserve `bytes`; under pressure evict idle entries of every member first. Returns false (and
   * counts a refusal) when it still does not fit.
   */
  reserve(bytes: number): boolean {
    if (this.held + bytes > this.maxBytes) {
      for (const member of this.members) member.evictIdle();
    }
    if (this.held + bytes > this.maxBytes) {
      this.refusalCount++;
      return false;
    }
    this.held += bytes;
    if (this.held > this.peak) this.peak = this.held;
    return true;
  }

  /** Give back bytes reserved earlier. */
  release(bytes: number): void {
    this.held -= bytes;
    if (this.held < 0) this.held = 0;
  }

  /** Count one refused chunk (called by the assemblers). */
  countRejection(reason: FrameErrorReason): void {
    this.rejectedByReason[reason]++;
  }

  /** Count evicted entries (called by the assemblers). */
  countEvicted(entries: number): void {
    this.evictedCount += entries;
  }

  /** Ask every member to evict idle entries now (call from a timer, e.g. every few seconds). */
  sweep(): number {
    let freed = 0;
    for (const member of this.members) freed += member.evictIdle();
    return freed;
  }
}
