/**
 * A small seeded pseudo-random generator so that the same seed gives the same weights, and so the
 * same model bytes, in every JavaScript engine: the core is exact 32-bit integer arithmetic and the
 * only float steps are IEEE basic operations (correctly rounded everywhere). Transcendental
 * functions (Math.log/cos, as in Box-Muller) are deliberately avoided because engines may differ in
 * their last bit; weights are therefore drawn from uniform distributions (as PyTorch's default
 * Kaiming-uniform init does).
 */

/** A deterministic stream of random numbers. */
export interface Prng {
  /** Uniform in [0, 1), a multiple of 2^-32. */
  uniform(): number;
  /** Uniform in [-limit, limit). */
  symmetric(limit: number): number;
}

/**
 * Create a generator from a seed (taken modulo 2^32). The core is mulberry32 (Tommy Ettinger,
 * public domain): a 32-bit state advanced by a Weyl constant and mixed by multiply-xorshift rounds.
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    symmetric: (limit) => (2 * uniform() - 1) * limit,
  };
}

/** Derive an independent sub-seed from a seed and a label (FNV-1a over the label, started from the seed). */
export function deriveSeed(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
