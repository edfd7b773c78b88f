/** Errors of the cost model; messages carry the numbers that failed. */

/** Broken input to a cost-model function (bad range, missing op classes, non-finite figure). */
export class CostInputError extends Error {
  override readonly name = 'CostInputError';
}
