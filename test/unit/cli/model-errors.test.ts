/**
 * Regression tests for issue 13, finding 10: models onnxruntime rejects exited 1 (not 2, "bad
 * input"), a model with no outputs passed `inspect`, and some errors printed onnxruntime's build
 * paths.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { cleanRuntimeMessage } from '../../../src/cli/runtime-error';
import { GraphBuilder, floatTensor } from '../graph/graph-builder';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}

const MODELS: Record<string, [Uint8Array, RegExp]> = {
  'no-outputs': [new GraphBuilder().input('x', [1, 4]).node('Relu', ['x'], ['y']).build(), /declares no graph outputs/],
  'unknown-op': [new GraphBuilder().input('x', [1, 4]).node('FooBar', ['x'], ['y']).output('y').build(), /No Op registered for FooBar/],
  'type-mismatch': [new GraphBuilder().input('x', [1, 4]).input('z', [1, 4], 7).node('Add', ['x', 'z'], ['y']).output('y').build(), /bound to different types/],
  'opset-99': [new GraphBuilder().input('x', [1, 4]).node('Relu', ['x'], ['y']).output('y').build(99), /Opset 99 is under development/],
  'shape-mismatch': [new GraphBuilder().input('x', [1, 4]).init(floatTensor('w', [3, 5], Array(15).fill(1))).node('MatMul', ['x', 'w'], ['y']).output('y').build(), /Incompatible dimensions/],
  'wrong-output-type': [new GraphBuilder().input('x', [1, 4]).node('Relu', ['x'], ['y']).output('y', 7).build(), /does not match expected type/],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'carbonedge-bad-models-'));
  for (const [name, [bytes]] of Object.entries(MODELS)) await writeFile(path.join(dir, `${name}.onnx`), bytes);
});

describe('models the runtime cannot load (issue 13, finding 10)', () => {
  it.each(Object.keys(MODELS))('%s: inspect, slice and verify all exit 2 with one path-free line', async (name) => {
    const file = path.join(dir, `${name}.onnx`);
    const pattern = MODELS[name]![1];
    for (const argv of [['inspect', file], ['verify', file, '--stages', '1'], ['slice', file, '--stages', '1', '--out', path.join(dir, 'out')]]) {
      const r = await cli(...argv);
      expect(r.code, `${argv[0]} ${name}: ${r.err}`).toBe(2);
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(lines[0]).toMatch(new RegExp(`^carbonedge ${argv[0]}: `));
      expect(lines[0]).not.toMatch(/\.(h|cc|cpp):\d+|ERROR_CODE|onnxruntime::/);
    }
  });
});

describe('cleanRuntimeMessage', () => {
  it('drops build paths, C++ signatures and ORT wrapper text, keeps the reason', () => {
    const raw =
      "Can't create a session. ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/graph/model_load_utils.h:56 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::string, int> &, const logging::Logger &, bool, const std::string &, int) Opset 99 is under development.\nstack line 2";
    expect(cleanRuntimeMessage(raw)).toBe('Opset 99 is under development.');
    expect(cleanRuntimeMessage('C:\\agent\\_work\\onnxruntime\\core\\session.cc:120 onnxruntime::Foo() bad thing')).toBe('bad thing');
    expect(cleanRuntimeMessage('x'.repeat(1000))).toHaveLength(300);
    expect(cleanRuntimeMessage('plain reason')).toBe('plain reason');
  });
});
