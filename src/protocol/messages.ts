/**
 * The control protocol between coordinator and nodes: JSON text messages with one literal `kind`
 * each, split by direction. Tensors never travel here (see tensor frames). Inbound data is
 * `unknown` until a parser accepts it; a rejected message is dropped and counted by the receiver.
 */
import type { JoinToken, NodeId } from './ids';
import { ProtocolError, checkBound, pick } from './bounds';
import {
  checkRunCoordinatorMessage,
  checkRunNodeMessage,
  type RunCoordinatorMessage,
  type RunNodeMessage,
} from './run-messages';

/** Bumped on every incompatible change; checked in the join handshake. */
export const PROTOCOL_VERSION = 1;

/** Device classes a node may report. */
export const DEVICE_CLASSES = ['phone', 'tablet', 'laptop', 'desktop', 'unknown'] as const;
/** One of {@link DEVICE_CLASSES}. */
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** Result of benchmarking one backend on one node. */
export interface BackendBenchmark {
  /** 'wasm' or 'webgpu'. */
  readonly backend: 'wasm' | 'webgpu';
  /** False when the backend could not run here (then `error` says why). */
  readonly available: boolean;
  /** Median latency of the benchmark model, ms. */
  readonly medianMs?: number;
  /** Timed runs behind the median. */
  readonly runs?: number;
  /** Achieved compute rate on the benchmark model, FLOP/s (its FLOPs / median time). */
  readonly flopsPerSecond?: number;
  /**
   * The cost model's measurement (src/cost): FLOP/s per operator class and the fixed ms of one run,
   * measured warm in the node's worker on this backend.
   */
  readonly cost?: {
    readonly flopsPerSecondByOpClass: Readonly<Record<'conv' | 'depthwise' | 'matmul' | 'elementwise' | 'memory', number>>;
    readonly fixedMsPerRun: number;
  };
  /**
   * The share of a core the node's worker had when it timed (src/cost/cpu-share.ts; WASM): the
   * lower of the benchmark's and the cost measurement's. Below 0.85 the device stayed busy for the
   * whole wait and the figures may read slow.
   */
  readonly cpuShare?: number;
  /**
   * How many of the worker's threads that share covers: it waits for a free core per WASM thread
   * and `cpuShare` is the least any of them got (src/cost/cpu-share.ts `CoreSampler`). Absent: 1.
   */
  readonly cpuThreads?: number;
  /** Why the backend is unavailable. */
  readonly error?: string;
}

/** A node's self-benchmark. */
export interface BenchmarkReport {
  /** Which model was timed (its name). */
  readonly model: string;
  /** One entry per backend tried. */
  readonly backends: readonly BackendBenchmark[];
  /** WASM threads used. */
  readonly threads: number;
  /** Whether the page was crossOriginIsolated. */
  readonly crossOriginIsolated: boolean;
}

/** Who a node says it is (sent in its join; untrusted). */
export interface NodeIdentity {
  /** Display name chosen by the user (untrusted text: render as text). */
  readonly name: string;
  /** Device class guessed or chosen. */
  readonly deviceClass: DeviceClass;
  /** Logical cores reported by the browser. */
  readonly hardwareConcurrency: number;
  /** navigator.deviceMemory in GB when the browser tells, else null. */
  readonly deviceMemoryGb: number | null;
  /** Whether navigator.gpu exists (adapter not yet requested). */
  readonly webgpu: boolean;
  /** True for simulated local nodes started by the coordinator. */
  readonly simulated: boolean;
}

/** Node -> coordinator: first message on a new link. */
export interface JoinMessage extends NodeIdentity {
  readonly kind: 'join';
  /** Protocol version the node speaks. */
  readonly protocolVersion: number;
  /** Token from the join URL. */
  readonly token: JoinToken;
  /** Fresh nonce (22 base64url chars) the coordinator must sign in its welcome (src/trust/identity.ts). */
  readonly nonce?: string;
  /** The node's own Ed25519 public key (43 base64url chars), for its link credentials. */
  readonly nodeKey?: string;
}

/** Node -> coordinator: benchmark finished. */
export interface BenchmarkMessage {
  readonly kind: 'benchmark';
  readonly report: BenchmarkReport;
}

/** Node -> coordinator: alive, with current load. */
export interface HeartbeatMessage {
  readonly kind: 'heartbeat';
  /** Sender's clock, ms since epoch. */
  readonly sentAtMs: number;
  /** Busy fraction of the last interval, 0..1. */
  readonly load: number;
}

/** Node -> coordinator: leaving on purpose. */
export interface LeaveMessage {
  readonly kind: 'leave';
  readonly reason: string;
}

/** Everything a node may send. */
export type NodeMessage = JoinMessage | BenchmarkMessage | HeartbeatMessage | LeaveMessage | RunNodeMessage;

/** Coordinator -> node: accepted. */
export interface WelcomeMessage {
  readonly kind: 'welcome';
  readonly protocolVersion: number;
  /** The id the coordinator knows this node by. */
  readonly nodeId: NodeId;
  /** How often to heartbeat, ms. */
  readonly heartbeatIntervalMs: number;
  /** The coordinator's Ed25519 public key (43 base64url chars); its fingerprint is in the join URL. */
  readonly coordinatorKey?: string;
  /** The coordinator's nonce for this session (22 base64url chars). */
  readonly coordinatorNonce?: string;
  /** Signature over the welcome and the node's nonce (86 base64url chars), see signWelcome. */
  readonly signature?: string;
}

/** Coordinator -> node: refused; the link closes after this. */
export interface RejectMessage {
  readonly kind: 'reject';
  /** Human-readable reason, shown on the node page. */
  readonly reason: string;
}

/** Coordinator -> node: run the self-benchmark (again). */
export interface BenchmarkRequestMessage {
  readonly kind: 'benchmark-request';
}

/** Everything the coordinator may send. */
export type CoordinatorMessage = WelcomeMessage | RejectMessage | BenchmarkRequestMessage | RunCoordinatorMessage;

export { ProtocolError, ProtocolRejections, PEER_NUMBER_BOUNDS, PROTOCOL_REJECTION_REASONS } from './bounds';
export type { ProtocolRejectionReason, ProtocolRejectionStats } from './bounds';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length <= max;
const isB64 = (v: unknown, length: number): v is string => typeof v === 'string' && v.length === length && /^[A-Za-z0-9_-]*$/.test(v);

function need(cond: boolean, what: string, field?: string): asserts cond {
  if (!cond) throw new ProtocolError(what, 'malformed', field);
}

/** Largest control message, characters (control messages are tiny; slices travel as frames). */
export const MAX_CONTROL_MESSAGE_CHARS = 64 * 1024;

function parseJson(text: unknown): Obj {
  if (typeof text !== 'string') throw new ProtocolError('control message is not text', 'not-text');
  if (text.length > MAX_CONTROL_MESSAGE_CHARS) {
    throw new ProtocolError(`control message of ${text.length} chars exceeds ${MAX_CONTROL_MESSAGE_CHARS}`, 'too-long');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('control message is not JSON', 'not-json');
  }
  if (!isObj(value)) throw new ProtocolError('control message is not an object', 'not-json');
  if (typeof value.kind !== 'string') throw new ProtocolError('control message has no kind', 'not-json');
  return value;
}

function parseBackend(v: unknown, at: string): BackendBenchmark {
  need(isObj(v), `${at} is not an object`, at);
  need(v.backend === 'wasm' || v.backend === 'webgpu', 'backend must be wasm or webgpu', `${at}.backend`);
  need(typeof v.available === 'boolean', 'backend.available must be boolean', `${at}.available`);
  if (v.medianMs !== undefined) checkBound(v.medianMs, 'benchmarkMedianMs', `${at}.medianMs`);
  if (v.runs !== undefined) checkBound(v.runs, 'benchmarkRuns', `${at}.runs`);
  if (v.flopsPerSecond !== undefined) checkBound(v.flopsPerSecond, 'flopsPerSecond', `${at}.flopsPerSecond`);
  if (v.cpuShare !== undefined) checkBound(v.cpuShare, 'cpuShare', `${at}.cpuShare`);
  if (v.cpuThreads !== undefined) checkBound(v.cpuThreads, 'threads', `${at}.cpuThreads`);
  need(v.error === undefined || isStr(v.error, 500), 'backend.error must be short text', `${at}.error`);
  let cost: BackendBenchmark['cost'];
  if (v.cost !== undefined) {
    const c = v.cost;
    need(isObj(c) && isObj(c.flopsPerSecondByOpClass), 'backend.cost must hold flopsPerSecondByOpClass and fixedMsPerRun', `${at}.cost`);
    const rates = (c as Record<string, Record<string, unknown>>).flopsPerSecondByOpClass!;
    const classes = ['conv', 'depthwise', 'matmul', 'elementwise', 'memory'] as const;
    const checked = Object.fromEntries(classes.map((k) => [k, checkBound(rates[k], 'flopsPerSecond', `${at}.cost.flopsPerSecondByOpClass.${k}`)]));
    const fixed = checkBound((c as Record<string, unknown>).fixedMsPerRun, 'fixedMsPerRun', `${at}.cost.fixedMsPerRun`);
    cost = { flopsPerSecondByOpClass: checked as Record<(typeof classes)[number], number>, fixedMsPerRun: fixed };
  }
  const picked = pick<BackendBenchmark>(v, ['backend', 'available', 'medianMs', 'runs', 'flopsPerSecond', 'cpuShare', 'cpuThreads', 'error']);
  return cost ? { ...picked, cost } : picked;
}

/** Run a run-plane check, mapping unknown kinds to ProtocolError. */
function runPlane<T>(check: () => T | undefined, kind: unknown): T {
  const message = check();
  if (message === undefined) throw new ProtocolError(`unknown message kind "${String(kind).slice(0, 40)}"`, 'unknown-kind');
  return message;
}

/** Accept a node -> coordinator message, or throw ProtocolError (with a reason and field). */
export function parseNodeMessage(text: unknown): NodeMessage {
  const m = parseJson(text);
  switch (m.kind) {
    case 'join':
      checkBound(m.protocolVersion, 'protocolVersion', 'join.protocolVersion');
      need(isStr(m.token, 64), 'join.token must be text', 'join.token');
      need(isStr(m.name, 64), 'join.name must be text of at most 64 characters', 'join.name');
      need((DEVICE_CLASSES as readonly unknown[]).includes(m.deviceClass), 'join.deviceClass is unknown', 'join.deviceClass');
      checkBound(m.hardwareConcurrency, 'hardwareConcurrency', 'join.hardwareConcurrency');
      if (m.deviceMemoryGb !== null) checkBound(m.deviceMemoryGb, 'deviceMemoryGb', 'join.deviceMemoryGb');
      need(typeof m.webgpu === 'boolean' && typeof m.simulated === 'boolean', 'join.webgpu/simulated must be boolean', 'join.webgpu');
      need(m.nonce === undefined || isB64(m.nonce, 22), 'join.nonce must be 22 base64url characters', 'join.nonce');
      need(m.nodeKey === undefined || isB64(m.nodeKey, 43), 'join.nodeKey must be 43 base64url characters', 'join.nodeKey');
      return pick<JoinMessage>(m, ['kind', 'protocolVersion', 'token', 'name', 'deviceClass', 'hardwareConcurrency', 'deviceMemoryGb', 'webgpu', 'simulated', 'nonce', 'nodeKey']);
    case 'benchmark': {
      need(isObj(m.report), 'benchmark.report must be an object', 'benchmark.report');
      const r = m.report;
      need(isStr(r.model), 'report.model must be text', 'report.model');
      need(Array.isArray(r.backends) && r.backends.length <= 4, 'report.backends must be a short list', 'report.backends');
      const backends = (r.backends as unknown[]).map((b, i) => parseBackend(b, `report.backends[${i}]`));
      checkBound(r.threads, 'threads', 'report.threads');
      need(typeof r.crossOriginIsolated === 'boolean', 'report.crossOriginIsolated must be boolean', 'report.crossOriginIsolated');
      return { kind: 'benchmark', report: { model: r.model, backends, threads: r.threads as number, crossOriginIsolated: r.crossOriginIsolated as boolean } };
    }
    case 'heartbeat':
      checkBound(m.sentAtMs, 'sentAtMs', 'heartbeat.sentAtMs');
      if (typeof m.load === 'number' && Number.isFinite(m.load) && (m.load < 0 || m.load > 1)) {
        throw new ProtocolError(`heartbeat needs load in 0..1, got ${m.load}`, 'out-of-range', 'heartbeat.load');
      }
      checkBound(m.load, 'load', 'heartbeat.load');
      return pick<HeartbeatMessage>(m, ['kind', 'sentAtMs', 'load']);
    case 'leave':
      need(isStr(m.reason, 500), 'leave.reason must be short text', 'leave.reason');
      return pick<LeaveMessage>(m, ['kind', 'reason']);
    default:
      return runPlane(() => checkRunNodeMessage(m), m.kind);
  }
}

/** Accept a coordinator -> node message, or throw ProtocolError (with a reason and field). */
export function parseCoordinatorMessage(text: unknown): CoordinatorMessage {
  const m = parseJson(text);
  switch (m.kind) {
    case 'welcome':
      checkBound(m.protocolVersion, 'protocolVersion', 'welcome.protocolVersion');
      need(isStr(m.nodeId, 100), 'welcome.nodeId must be text', 'welcome.nodeId');
      if (typeof m.heartbeatIntervalMs === 'number' && m.heartbeatIntervalMs < 100) {
        throw new ProtocolError(`welcome.heartbeatIntervalMs must be >= 100, got ${m.heartbeatIntervalMs}`, 'out-of-range', 'welcome.heartbeatIntervalMs');
      }
      checkBound(m.heartbeatIntervalMs, 'heartbeatIntervalMs', 'welcome.heartbeatIntervalMs');
      need(m.coordinatorKey === undefined || isB64(m.coordinatorKey, 43), 'welcome.coordinatorKey must be 43 base64url characters', 'welcome.coordinatorKey');
      need(m.coordinatorNonce === undefined || isB64(m.coordinatorNonce, 22), 'welcome.coordinatorNonce must be 22 base64url characters', 'welcome.coordinatorNonce');
      need(m.signature === undefined || isB64(m.signature, 86), 'welcome.signature must be 86 base64url characters', 'welcome.signature');
      return pick<WelcomeMessage>(m, ['kind', 'protocolVersion', 'nodeId', 'heartbeatIntervalMs', 'coordinatorKey', 'coordinatorNonce', 'signature']);
    case 'reject':
      need(isStr(m.reason, 500), 'reject.reason must be short text', 'reject.reason');
      return pick<RejectMessage>(m, ['kind', 'reason']);
    case 'benchmark-request':
      return { kind: 'benchmark-request' };
    default:
      return runPlane(() => checkRunCoordinatorMessage(m), m.kind);
  }
}

/** Serialise any control message. */
export function encodeMessage(message: NodeMessage | CoordinatorMessage): string {
  return JSON.stringify(message);
}
