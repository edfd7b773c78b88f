/**
 * The control protocol between coordinator and nodes: JSON text messages with one literal `kind`
 * each, split by direction. Tensors never travel here (see tensor frames). Inbound data is
 * `unknown` until a parser accepts it; a rejected message is dropped and counted by the receiver.
 */
import type { JoinToken, NodeId } from './ids';
import {
  RunMessageError,
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

/** Why a message was dropped. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length <= max;

function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new ProtocolError(what);
}

function parseJson(text: unknown): Obj {
  need(typeof text === 'string', 'control message is not text');
  need((text as string).length <= 64 * 1024, `control message of ${(text as string).length} chars exceeds 65536`);
  let value: unknown;
  try {
    value = JSON.parse(text as string);
  } catch {
    throw new ProtocolError('control message is not JSON');
  }
  need(isObj(value), 'control message is not an object');
  need(typeof value.kind === 'string', 'control message has no kind');
  return value;
}

function parseBackend(v: unknown): BackendBenchmark {
  need(isObj(v), 'backend entry is not an object');
  need(v.backend === 'wasm' || v.backend === 'webgpu', 'backend must be wasm or webgpu');
  need(typeof v.available === 'boolean', 'backend.available must be boolean');
  for (const key of ['medianMs', 'runs', 'flopsPerSecond'] as const) {
    need(v[key] === undefined || (isFiniteNum(v[key]) && (v[key] as number) >= 0), `backend.${key} must be a non-negative number`);
  }
  need(v.error === undefined || isStr(v.error, 500), 'backend.error must be short text');
  return v as unknown as BackendBenchmark;
}

/** Run a run-plane check, mapping its errors and unknown kinds to ProtocolError. */
function runPlane<T>(check: () => T | undefined, kind: unknown): T {
  let message: T | undefined;
  try {
    message = check();
  } catch (error) {
    if (error instanceof RunMessageError) throw new ProtocolError(error.message);
    throw error;
  }
  if (message === undefined) throw new ProtocolError(`unknown message kind "${String(kind).slice(0, 40)}"`);
  return message;
}

/** Accept a node -> coordinator message, or throw ProtocolError. */
export function parseNodeMessage(text: unknown): NodeMessage {
  const m = parseJson(text);
  switch (m.kind) {
    case 'join':
      need(isFiniteNum(m.protocolVersion), 'join.protocolVersion must be a number');
      need(isStr(m.token, 64), 'join.token must be text');
      need(isStr(m.name, 64), 'join.name must be text of at most 64 characters');
      need((DEVICE_CLASSES as readonly unknown[]).includes(m.deviceClass), 'join.deviceClass is unknown');
      need(isFiniteNum(m.hardwareConcurrency) && m.hardwareConcurrency >= 0, 'join.hardwareConcurrency must be a number');
      need(m.deviceMemoryGb === null || isFiniteNum(m.deviceMemoryGb), 'join.deviceMemoryGb must be a number or null');
      need(typeof m.webgpu === 'boolean' && typeof m.simulated === 'boolean', 'join.webgpu/simulated must be boolean');
      return m as unknown as JoinMessage;
    case 'benchmark': {
      need(isObj(m.report), 'benchmark.report must be an object');
      const r = m.report;
      need(isStr(r.model), 'report.model must be text');
      need(Array.isArray(r.backends) && r.backends.length <= 4, 'report.backends must be a short list');
      (r.backends as unknown[]).forEach(parseBackend);
      need(isFiniteNum(r.threads) && typeof r.crossOriginIsolated === 'boolean', 'report.threads/crossOriginIsolated invalid');
      return m as unknown as BenchmarkMessage;
    }
    case 'heartbeat':
      need(isFiniteNum(m.sentAtMs) && isFiniteNum(m.load) && m.load >= 0 && m.load <= 1, 'heartbeat needs sentAtMs and load in 0..1');
      return m as unknown as HeartbeatMessage;
    case 'leave':
      need(isStr(m.reason, 500), 'leave.reason must be short text');
      return m as unknown as LeaveMessage;
    default:
      return runPlane(() => checkRunNodeMessage(m), m.kind);
  }
}

/** Accept a coordinator -> node message, or throw ProtocolError. */
export function parseCoordinatorMessage(text: unknown): CoordinatorMessage {
  const m = parseJson(text);
  switch (m.kind) {
    case 'welcome':
      need(isFiniteNum(m.protocolVersion), 'welcome.protocolVersion must be a number');
      need(isStr(m.nodeId, 100), 'welcome.nodeId must be text');
      need(isFiniteNum(m.heartbeatIntervalMs) && m.heartbeatIntervalMs >= 100, 'welcome.heartbeatIntervalMs must be >= 100');
      return m as unknown as WelcomeMessage;
    case 'reject':
      need(isStr(m.reason, 500), 'reject.reason must be short text');
      return m as unknown as RejectMessage;
    case 'benchmark-request':
      return m as unknown as BenchmarkRequestMessage;
    default:
      return runPlane(() => checkRunCoordinatorMessage(m), m.kind);
  }
}

/** Serialise any control message. */
export function encodeMessage(message: NodeMessage | CoordinatorMessage): string {
  return JSON.stringify(message);
}
