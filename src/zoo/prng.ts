/**
 * A small seeded pseudo-random generator so that the same seed gives the same weights, and so the
 * same model bytes, in every JavaScript engine: the core is exact 32-bit integer arithmetic and the
 * only float steps are IEEE basic operations (correctly rounded everywhere). Transcendental
 * functions (Math.log/cos, as in Box-Muller) are deliberately avoided because engines may differ in
 * their last bit; weights are therefore drawn from uniform distributions (as PyTorch's default
 * Kaiming-uniform init does).
 */
import { seededRandom } from '../util/seeded-random';

/** A deterministic stream of random numbers. */
export interface Prng {
  /** Uniform in [0, 1), a multiple of 2^-32. */
  uniform(): number;
  /** Uniform in [-limit, limit). */
  symmetric(limit: number): number;
}

/**
 * Create a generator from a seed (taken modulo 2^32). The core is mulberry32 (Tommy Ettinger,
 * public domain; src/util/seeded-random.ts).
 */
export function createPrng(seed: number): Prng {
  const uniform = seededRandom(seed);
  return {
    uniform,
    symmetric: (limit) => (2 * uniform() - 1) * limit,
  };
}

/** Derive an independent sub-seed from a seed and a label (FNV-1a). */
export { deriveSeed } from '../util/seeded-random';
