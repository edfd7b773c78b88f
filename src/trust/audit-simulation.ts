/**
 * A seeded in-memory swarm for the audit figures of issue 13: a 3-slice model (each slice
 * y = tanh(W x + b), 32 wide) placed on 3 of 8 hosts, the other hosts (and the coordinator's
 * worker) serving as auditors. Hosts compute with real floating-point differences: WASM hosts
 * accumulate in float64 in index order; WebGPU hosts accumulate in float32 over 4 interleaved
 * partial sums, and two of them round outputs to half precision (as f16 kernels do). One host may
 * corrupt its outputs (noise, zeros, a constant pattern, or 10% of the elements) on a share of its
 * executions, audit executions included. Used by test/unit/trust/audit-simulation.test.ts and
 * bench/audit.bench.ts; pure, deterministic per seed.
 */
import { AuditBook } from './audit';
import type { TensorData } from '../runtime/tensor';
import { seededRandom } from '../util/seeded-random';

/** How a dishonest host corrupts an output. */
export const CORRUPTIONS = ['noise', 'zeros', 'constant', 'partial'] as const;
/** One of {@link CORRUPTIONS}. */
export type Corruption = (typeof CORRUPTIONS)[number];

/** One simulated run. */
export interface AuditSimulationOptions {
  readonly seed: number;
  /** Inferences to run. */
  readonly inferences: number;
  /** Audit rate (share of requests audited). */
  readonly auditRate: number;
  /** The dishonest host's behaviour, or undefined for an all-honest swarm. */
  readonly corruption?: Corruption;
  /** Share of the dishonest host's executions it corrupts (default 1). */
  readonly corruptShare?: number;
  /** Strikes that quarantine (default 2). */
  readonly quarantineAfter?: number;
}

/** What happened. */
export interface AuditSimulationResult {
  /** 1-based inference after which the dishonest host was quarantined, if it was. */
  readonly quarantinedAfter: number | undefined;
  /** Honest hosts quarantined (must be 0). */
  readonly falseQuarantines: number;
  /** Inferences whose final output was corrupted. */
  readonly corruptedResults: number;
  /** Of those, how many the audit book marked suspect by the end. */
  readonly corruptedMarkedSuspect: number;
  /** The audit counters. */
  readonly stats: AuditBook['stats'];
  /** Largest relative L2 difference seen between two honest executions (tolerance margin). */
  readonly worstHonestRelativeL2: number;
}

const WIDTH = 32;
const SLICES = 3;
const HOSTS = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'coordinator'] as const;
/** n1 hosts slice 1 and is the dishonest one when there is one; odd hosts are WebGPU, n3 and n7 with f16 outputs. */
const DISHONEST = 'n1';
const backendOf = (host: string) => (host === 'coordinator' || Number(host.slice(1)) % 2 === 0 ? 'wasm' : Number(host.slice(1)) % 4 === 3 ? 'webgpu-f16' : 'webgpu');

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function roundToHalf(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const exponent = Math.max(-14, Math.floor(Math.log2(Math.abs(x))));
  const quantum = 2 ** (exponent - 10);
  return Math.round(x / quantum) * quantum;
}

interface Layer {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

function runLayer(layer: Layer, input: Float32Array, backend: string): Float32Array {
  const out = new Float32Array(WIDTH);
  for (let row = 0; row < WIDTH; row++) {
    let sum: number;
    if (backend === 'wasm') {
      sum = layer.bias[row]!;
      for (let k = 0; k < WIDTH; k++) sum += layer.weights[row * WIDTH + k]! * input[k]!;
    } else {
      const partial = [0, 0, 0, 0];
      for (let k = 0; k < WIDTH; k++) partial[k % 4] = Math.fround(partial[k % 4]! + Math.fround(Math.fround(layer.weights[row * WIDTH + k]!) * input[k]!));
      sum = Math.fround(Math.fround(Math.fround(partial[0]! + partial[2]!) + Math.fround(partial[1]! + partial[3]!)) + Math.fround(layer.bias[row]!));
    }
    const y = Math.tanh(sum);
    out[row] = backend === 'webgpu-f16' ? roundToHalf(y) : y;
  }
  return out;
}

function corrupt(values: Float32Array, how: Corruption, random: () => number): Float32Array {
  const out = new Float32Array(values);
  let rms = 0;
  for (const v of values) rms += v * v;
  rms = Math.sqrt(rms / values.length) || 1;
  for (let i = 0; i < out.length; i++) {
    if (how === 'noise') out[i] = gaussian(random) * rms;
    else if (how === 'zeros') out[i] = 0;
    else if (how === 'constant') out[i] = i % 2 ? 0.5 : -0.5;
    else if (random() < 0.1) out[i] = gaussian(random) * rms * 2;
  }
  return out;
}

const tensor = (data: Float32Array): TensorData => ({ dtype: 'float32', dims: [1, WIDTH], data });

/** Run one seeded simulation. */
export function simulateAudits(options: AuditSimulationOptions): AuditSimulationResult {
  const random = seededRandom(options.seed);
  const corruptRandom = seededRandom(options.seed ^ 0x9e3779b9);
  const layers: Layer[] = Array.from({ length: SLICES }, () => ({
    weights: Float64Array.from({ length: WIDTH * WIDTH }, () => (gaussian(random) * 1.5) / Math.sqrt(WIDTH)),
    bias: Float64Array.from({ length: WIDTH }, () => gaussian(random) * 0.1),
  }));
  const book = new AuditBook({ rate: options.auditRate, quarantineAfter: options.quarantineAfter ?? 2, random });
  const placement: string[] = ['n0', 'n1', 'n2'];
  const execute = (host: string, slice: number, input: Float32Array): Float32Array => {
    const out = runLayer(layers[slice]!, input, backendOf(host));
    if (options.corruption && host === DISHONEST && corruptRandom() < (options.corruptShare ?? 1)) return corrupt(out, options.corruption, corruptRandom);
    return out;
  };
  const pick = (exclude: readonly string[]) => {
    const pool = HOSTS.filter((h) => !exclude.includes(h) && !book.isQuarantined(h));
    return pool[Math.floor(random() * pool.length)]!;
  };
  let quarantinedAfter: number | undefined;
  let corruptedResults = 0;
  const corruptedIds: string[] = [];
  let worstHonest = 0;
  for (let inference = 1; inference <= options.inferences; inference++) {
    // Re-plan around quarantined hosts: the first free host takes the slice.
    placement.forEach((host, slice) => {
      if (book.isQuarantined(host)) placement[slice] = HOSTS.find((h) => h !== 'coordinator' && !book.isQuarantined(h) && !placement.includes(h))!;
    });
    const audited = book.shouldAudit();
    let x: Float32Array = Float32Array.from({ length: WIDTH }, () => gaussian(random));
    let honestX: Float32Array = x;
    let corrupted = false;
    const id = `r${inference}`;
    for (let slice = 0; slice < SLICES; slice++) {
      const host = placement[slice]!;
      const out = execute(host, slice, x);
      const reference = runLayer(layers[slice]!, honestX, 'wasm');
      if (audited) {
        const auditor = pick(placement);
        const audit = execute(auditor, slice, x);
        let verdict = book.judge([{ host, outputs: { y: tensor(out) } }, { host: auditor, outputs: { y: tensor(audit) } }]);
        if (verdict.kind === 'agree' && host !== DISHONEST && auditor !== DISHONEST) {
          let d = 0, r = 0;
          for (let i = 0; i < WIDTH; i++) (d += (out[i]! - audit[i]!) ** 2), (r += audit[i]! ** 2);
          worstHonest = Math.max(worstHonest, Math.sqrt(d / r));
        }
        if (verdict.kind === 'need-third') {
          const third = pick(verdict.exclude);
          verdict = book.judge([
            { host, outputs: { y: tensor(out) } },
            { host: auditor, outputs: { y: tensor(audit) } },
            { host: third, outputs: { y: tensor(execute(third, slice, x)) } },
          ]);
        }
        if (verdict.kind === 'attributed' && verdict.quarantined && verdict.culprit === DISHONEST && quarantinedAfter === undefined) quarantinedAfter = inference;
      }
      let d = 0;
      for (let i = 0; i < WIDTH; i++) d = Math.max(d, Math.abs(out[i]! - reference[i]!));
      if (d > 0.05) corrupted = true;
      x = out;
      honestX = reference;
    }
    book.recordResult(id, placement);
    if (corrupted) {
      corruptedResults++;
      corruptedIds.push(id);
    }
  }
  return {
    quarantinedAfter,
    falseQuarantines: book.quarantined.filter((h) => h !== DISHONEST || !options.corruption).length,
    corruptedResults,
    corruptedMarkedSuspect: corruptedIds.filter((id) => book.isSuspect(id)).length,
    stats: book.stats,
    worstHonestRelativeL2: worstHonest,
  };
}
