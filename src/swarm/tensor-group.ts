/**
 * A request's tensors at one hop as a frame group: one tensor frame per named tensor, all with the
 * same run, request and slice, so the receiver's FrameAssembler knows when the group is complete.
 */
import { encodeTensorFrames, type TensorFrame } from '../protocol/tensor-frame';
import type { TensorData } from '../runtime/tensor';

/** Request id reserved for slice-model bytes (never a real request). */
export const SLICE_BYTES_REQUEST_ID = 0xffffffff;

/** Encode named tensors as the messages of one group. */
export function encodeTensorGroup(
  ids: { runId: number; requestId: number; sliceIndex: number },
  tensors: Readonly<Record<string, TensorData>>,
): ArrayBuffer[] {
  const names = Object.keys(tensors).sort();
  const messages: ArrayBuffer[] = [];
  names.forEach((name, tensorIndex) => {
    messages.push(
      ...encodeTensorFrames({ ...ids, tensorIndex, tensorCount: names.length, name }, tensors[name]!),
    );
  });
  return messages;
}

/** The named tensors of a completed group. */
export function decodeTensorGroup(frames: readonly TensorFrame[]): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const frame of frames) out[frame.header.name] = frame.tensor;
  return out;
}

/** Total payload bytes of named tensors. */
export function tensorBytes(tensors: Readonly<Record<string, TensorData>>): number {
  let bytes = 0;
  for (const t of Object.values(tensors)) bytes += t.data.byteLength;
  return bytes;
}
