/** Kept for callers that import it from here; the PRNG lives in src/util/seeded-random.ts. */
export { seededRandom } from '../util/seeded-random';
