/**
 * The history in IndexedDB (idb-keyval, its own database so nothing else's keys mix in): every run
 * as a {@link RunRecord} keyed by its id. Save a run as it goes (save again with the same id to
 * update it), so a reload of the coordinator tab loses nothing. Records read back are checked
 * ({@link parseRunRecord}); one that fails the check is reported by `list()` in `unreadable`, never
 * dropped silently or deleted.
 */
import { clear, createStore, del, entries, get, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import { HistoryFormatError } from './record-checks';
import { parseRunRecord, runTitle, type RunRecord } from './run-record';
import { runTotals, type RunTotals } from './run-totals';

/** One line of the history list. */
export interface RunListItem {
  readonly id: string;
  readonly title: string;
  readonly startedAt: string;
  readonly status: RunRecord['status'];
  readonly nodeNames: readonly string[];
  readonly totals: RunTotals;
}

/** What an import did. */
export interface ImportReport {
  /** Ids of the runs added. */
  readonly added: readonly string[];
  /** Runs already in the history with identical content. */
  readonly unchanged: readonly string[];
  /** A different run under an id already used: kept under a new id (old id -> new id). */
  readonly renamed: Readonly<Record<string, string>>;
}

/** The history of runs in one IndexedDB database. */
export class RunHistory {
  readonly #store: UseStore;

  /** `databaseName` defaults to `carbonedge-history` (tests pass their own). */
  constructor(databaseName = 'carbonedge-history') {
    this.#store = createStore(databaseName, 'runs');
  }

  /**
   * Insert or replace the run with `record.id` (checked first: a bad record throws HistoryFormatError).
   * Resolves with the ms this took on the calling thread (the check and IndexedDB's copy of the
   * record), not counting the wait for the disk: what a caller that saves as a run grows paces itself by.
   */
  async save(record: RunRecord): Promise<number> {
    const t0 = performance.now();
    parseRunRecord(record);
    let ms = performance.now() - t0;
    await this.#store('readwrite', (store) => {
      const t1 = performance.now();
      store.put(record, record.id);
      ms += performance.now() - t1;
      return promisifyRequest(store.transaction);
    });
    return ms;
  }

  /** The run with `id`, or undefined. Throws HistoryFormatError when the stored record is unreadable. */
  async get(id: string): Promise<RunRecord | undefined> {
    const value: unknown = await get(id, this.#store);
    return value === undefined ? undefined : parseRunRecord(value, `stored run ${id}`);
  }

  /** Every readable run, newest first, plus the ids of stored records that failed the check. */
  async all(): Promise<{ runs: RunRecord[]; unreadable: { id: string; reason: string }[] }> {
    const runs: RunRecord[] = [];
    const unreadable: { id: string; reason: string }[] = [];
    for (const [key, value] of await entries<string, unknown>(this.#store)) {
      try {
        runs.push(parseRunRecord(value, `stored run ${String(key)}`));
      } catch (error) {
        if (!(error instanceof HistoryFormatError)) throw error;
        unreadable.push({ id: String(key), reason: error.message });
      }
    }
    runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
    return { runs, unreadable };
  }

  /** The history list: newest first, with totals computed from each run's rows. */
  async list(): Promise<{ items: RunListItem[]; unreadable: { id: string; reason: string }[] }> {
    const { runs, unreadable } = await this.all();
    return {
      items: runs.map((r) => ({ id: r.id, title: runTitle(r), startedAt: r.startedAt, status: r.status, nodeNames: r.nodes.map((n) => n.name), totals: runTotals(r) })),
      unreadable,
    };
  }

  /** Remove one run (no error when absent). */
  async delete(id: string): Promise<void> {
    await del(id, this.#store);
  }

  /** Remove every run. */
  async clear(): Promise<void> {
    await clear(this.#store);
  }

  /**
   * Add imported runs (already checked by parseHistoryJson). Nothing is overwritten: a run whose id
   * is taken by a different run is kept under `ID-imported-N`. All writes happen in one transaction.
   */
  async import(runs: readonly RunRecord[]): Promise<ImportReport> {
    const existing = new Map<string, string>();
    for (const [key, value] of await entries<string, unknown>(this.#store)) existing.set(String(key), JSON.stringify(value));
    const added: string[] = [];
    const unchanged: string[] = [];
    const renamed: Record<string, string> = {};
    const writes: [string, RunRecord][] = [];
    for (const run of runs) {
      parseRunRecord(run);
      const text = JSON.stringify(run);
      const held = existing.get(run.id);
      if (held === text) {
        unchanged.push(run.id);
        continue;
      }
      let id = run.id;
      for (let n = 1; existing.has(id); n++) id = `${run.id}-imported-${n}`;
      if (id !== run.id) renamed[run.id] = id;
      const record = id === run.id ? run : { ...run, id };
      existing.set(id, JSON.stringify(record));
      writes.push([id, record]);
      added.push(id);
    }
    if (writes.length) await setMany(writes, this.#store);
    return { added, unchanged, renamed };
  }
}
