/** A minimal typed listener set: `add` returns the unsubscribe function. */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();

  /** Subscribe; returns the function that unsubscribes. */
  add(fn: (...args: A) => void): () => void {
    this.set.add(fn);
    return () => this.set.delete(fn);
  }

  /** Call every listener (a snapshot, so listeners may unsubscribe while called). */
  emit(...args: A): void {
    for (const fn of [...this.set]) fn(...args);
  }

  /** Number of listeners. */
  get size(): number {
    return this.set.size;
  }
}
