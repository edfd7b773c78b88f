/**
 * One error class per way a model, a shape or a cut request can be broken. Messages carry the
 * numbers that failed, so the CLI can print them as one line.
 */

/** Base class: every graph error is an instance of this. */
export class GraphError extends Error {
  override name = 'GraphError';
}

/** The bytes are not an ONNX model (wrong wire format, no graph). */
export class NotOnnxError extends GraphError {
  override name = 'NotOnnxError';
}

/** The bytes end before the protobuf message does (a partial download or copy). */
export class TruncatedModelError extends GraphError {
  override name = 'TruncatedModelError';
}

/** The graph itself is inconsistent (a tensor read before or without being produced, a cycle). */
export class MalformedGraphError extends GraphError {
  override name = 'MalformedGraphError';
}

/** A feature we do not slice (weights in external files, training graphs). */
export class UnsupportedModelError extends GraphError {
  override name = 'UnsupportedModelError';
}

/** A user-given input shape does not fit the model (rank, fixed dims, unknown name, missing). */
export class InputShapeError extends GraphError {
  override name = 'InputShapeError';
}

/** The model would need more memory than allowed. */
export class ModelTooLargeError extends GraphError {
  override name = 'ModelTooLargeError';
}

/** More stages were requested than the model has cut points for. */
export class TooManyStagesError extends GraphError {
  override name = 'TooManyStagesError';
}

/** Explicit cuts that are out of range, unsorted or repeated. */
export class InvalidCutsError extends GraphError {
  override name = 'InvalidCutsError';
}

/** Running the model (profiling or chaining) failed inside the runtime. */
export class ProfileError extends GraphError {
  override name = 'ProfileError';
}
