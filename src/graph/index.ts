/**
 * Public API of src/graph: ONNX parsing, profiling, cut points and slice extraction, pure
 * TypeScript for Node and the browser. Import from here, not from the step files.
 */
export { parseModel } from './parse-model';
export { indexModel, declaredDims, nodeReads, type IndexedNode, type ModelIndex, type WeightInfo } from './model-index';
export { bindInputShapes, parseInputShape, type InputShapeSpec } from './input-shapes';
export {
  defaultSessionFactory, profileModel, randomFeeds,
  type ModelProfile, type NodeProfile, type ProfileOptions, type SessionFactory, type TensorInfo,
} from './profile-model';
export { nodeFlops, ELEMENTWISE_FLOPS, DATA_MOVEMENT_OPS, type CostSource, type NodeCost } from './node-cost';
export { crossesCut, crossingAt, crossingBytesPerCut, flopsBeforeEachCut, listCutPoints, type CutPoint } from './cut-points';
export { balancedFlopsCuts, explicitCuts, minCrossingBytesCuts, stagesFromCuts, type StageRange } from './stage-cuts';
export { extractSlice, sha256Hex, sliceInterface, type SliceInterface } from './extract-slice';
export { sliceManifest, sliceModel, type ModelSlice, type SliceManifest } from './slice-model';
export { openChain, type ChainStage, type SliceChain } from './chain-runner';
export { compareTensors, type TensorComparison } from './compare-tensors';
export { verifySlices, type OutputCheck, type VerifyOptions, type VerifyResult } from './verify-slices';
export { toPlanModel, type PlanModel } from './plan-model';
export { opClassOf, profileOpClasses, MEMORY_BOUND_OPS, type OpClass } from './op-class';
export * from './errors';
