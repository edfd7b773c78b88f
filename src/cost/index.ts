/**
 * Public surface of src/cost: the node's cost micro-benchmark, slice predictions, calibration from
 * the run, drift detection and the link probe (issue 11). Pure except `measure-cost.ts`, which runs
 * whatever session factory it is given (the worker's, or onnxruntime-web under Node).
 */
export * from './errors';
export * from './robust-stats';
export * from './measure-cost';
export * from './cost-report';
export * from './predict';
export * from './drift';
export * from './calibration';
export * from './host-concurrency';
export * from './link-probe';
