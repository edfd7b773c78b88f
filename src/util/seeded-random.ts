/**
 * The one seeded PRNG of the project, so that every random choice (test networks, synthetic
 * models, generated weights, random inputs, tie-breakers) replays exactly from its seed.
 */

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state advanced by a Weyl constant and mixed by
 * multiply-xorshift rounds. Returns uniform floats in [0, 1), multiples of 2^-32. Only exact integer
 * arithmetic and one division, so every JavaScript engine gives the same stream.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent sub-seed from a seed and a label (FNV-1a over the label, started from the seed). */
export function deriveSeed(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
