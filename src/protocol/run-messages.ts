/**
 * Run-plane control messages: a node's carbon profile, slice deployment, and per-request execution
 * reports. Tensors (inputs, intermediates, outputs) and slice bytes never travel here: they go as
 * binary tensor frames (tensor-frame.ts). Parsed by messages.ts's parse functions.
 */
import type { IntensityReading } from '../carbon/intensity';
import type { PowerModel } from '../carbon/power-model';
import { ProtocolError, checkBound, pick } from './bounds';

/** Node -> coordinator: where its electricity comes from and what it draws (shown and accounted). */
export interface ProfileMessage {
  readonly kind: 'profile';
  /** Grid intensity in force for this node, with its provenance. */
  readonly intensity: IntensityReading;
  /** Power model with its label (estimated, configured, measured). */
  readonly power: PowerModel;
  /** CPU slowdown factor >= 1 applied to this node's worker (simulated / lab nodes), 1 otherwise. */
  readonly slowdown: number;
}

/** Node -> coordinator: please send the bytes of this slice (not in the node's cache). */
export interface SliceRequestMessage {
  readonly kind: 'slice-request';
  readonly runId: number;
  readonly sliceIndex: number;
  /** SHA-256 (hex) of the slice wanted. */
  readonly sha256: string;
}

/** Node -> coordinator: the slice is loaded and the links to its neighbours are open. */
export interface DeployedMessage {
  readonly kind: 'deployed';
  readonly runId: number;
  readonly sliceIndex: number;
  readonly sha256: string;
  /** True when the bytes came from the node's IndexedDB cache. */
  readonly fromCache: boolean;
  /** Time to fetch, check and load the slice, ms. */
  readonly loadMs: number;
}

/** Node -> coordinator: deployment failed (hash mismatch, load error, neighbour unreachable). */
export interface DeployFailedMessage {
  readonly kind: 'deploy-failed';
  readonly runId: number;
  readonly sliceIndex: number;
  readonly reason: string;
  /**
   * True when the slice itself is fine and the node could load it, but a link it needs (to its
   * downstream neighbour) did not open or authenticate in time: worth another try before the node
   * is planned around. Absent for a hash mismatch or a load error.
   */
  readonly retryable?: boolean;
}

/** Node -> coordinator: one slice execution finished (the ledger's input). */
export interface ExecutedMessage {
  readonly kind: 'executed';
  readonly runId: number;
  readonly requestId: number;
  readonly sliceIndex: number;
  /** Compute time in the worker, ms. */
  readonly busyMs: number;
  /** Wall time in the worker including any slowdown idling, ms. */
  readonly wallMs: number;
  /** Bytes of the tensors forwarded to the next hop. */
  readonly outputBytes: number;
  /**
   * How long the slice's input waited on the node before this execution started (behind the
   * node's earlier executions and sends), ms. With it the coordinator tells the time a request
   * spent outside slices (hops) from its latency at any number of requests in flight. Optional:
   * a node without it is judged only in runs of one request at a time.
   */
  readonly queuedMs?: number;
}

/** Node -> coordinator: a request could not run on this slice. */
export interface RequestFailedMessage {
  readonly kind: 'request-failed';
  readonly runId: number;
  readonly requestId: number;
  readonly sliceIndex: number;
  readonly reason: string;
}

/** Run-plane messages a node may send. */
export type RunNodeMessage = ProfileMessage | SliceRequestMessage | DeployedMessage | DeployFailedMessage | ExecutedMessage | RequestFailedMessage;

/** Coordinator -> node: host slice `sliceIndex` of run `runId`. */
export interface DeployMessage {
  readonly kind: 'deploy';
  readonly runId: number;
  readonly sliceIndex: number;
  /** SHA-256 (hex) the slice bytes must have. */
  readonly sha256: string;
  /** Size of the slice model, bytes. */
  readonly byteLength: number;
  readonly backend: 'wasm' | 'webgpu';
  /** Names of the slice's inputs and outputs, in frame order. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Peer that sends this slice its inputs (the coordinator for the first slice). */
  readonly upstreamPeerId: string;
  /** Peer that receives this slice's outputs (the coordinator after the last slice). */
  readonly downstreamPeerId: string;
  /** This node's credential for the run's peer links (src/trust/identity.ts issueLinkCredential). */
  readonly linkCredential?: WireLinkCredential;
}

/** A link credential as it travels (checked for shape here, for its signature by src/trust). */
export interface WireLinkCredential {
  readonly room: string;
  readonly runId: number;
  readonly peerId: string;
  readonly nodeKey: string;
  readonly expiresAtMs: number;
  readonly signature: string;
}

/** Coordinator -> node: drop every slice of runs other than `keepRunId` (or all, when null). */
export interface UndeployMessage {
  readonly kind: 'undeploy';
  readonly keepRunId: number | null;
}

/** Coordinator -> node: settings for simulated and lab nodes. */
export interface ConfigureMessage {
  readonly kind: 'configure';
  /** Quota-style CPU slowdown >= 1 for the node's worker. */
  readonly slowdown?: number;
}

/**
 * Coordinator -> node: the request sent under wire id `requestId` is audited (src/trust/audit.ts):
 * after running its slice of it, also send a copy of the outputs to the coordinator. A node keeps
 * at most a few hundred pending taps.
 */
export interface TapMessage {
  readonly kind: 'tap';
  readonly runId: number;
  readonly requestId: number;
}

/** Run-plane messages the coordinator may send. */
export type RunCoordinatorMessage = DeployMessage | UndeployMessage | ConfigureMessage | TapMessage;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const u32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const u16 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;
const text = (v: unknown, max = 500): v is string => typeof v === 'string' && v.length <= max;
const hash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const b64 = (v: unknown, length: number): v is string => typeof v === 'string' && v.length === length && /^[A-Za-z0-9_-]*$/.test(v);
const DEPLOY_KEYS = ['kind', 'runId', 'sliceIndex', 'sha256', 'byteLength', 'backend', 'inputNames', 'outputNames', 'upstreamPeerId', 'downstreamPeerId'] as const;
const names = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 1024 && v.every((n) => text(n, 4096));

/** Thrown by the checks below (a ProtocolError with reason and field). */
export class RunMessageError extends ProtocolError {
  override name = 'RunMessageError';
}

function need(cond: boolean, what: string, field?: string): void {
  if (!cond) throw new RunMessageError(what, 'malformed', field);
}

const optionalText = (v: unknown, max: number) => v === undefined || text(v, max);

function checkIntensity(v: unknown): IntensityReading {
  need(isObj(v), 'profile.intensity must be an object', 'profile.intensity');
  const r = v as Obj;
  checkBound(r.gramsCo2PerKwh, 'gramsCo2PerKwh', 'intensity.gramsCo2PerKwh');
  need(text(r.zone, 64) && text(r.source, 200) && text(r.vintage, 300), 'intensity zone/source/vintage must be short text', 'intensity.zone');
  need(r.kind === 'average' || r.kind === 'marginal', 'intensity.kind must be average or marginal', 'intensity.kind');
  need(typeof r.isLive === 'boolean', 'intensity.isLive must be boolean', 'intensity.isLive');
  need(r.observedAt === undefined || r.observedAt === null || text(r.observedAt, 64), 'intensity.observedAt must be a short time or null', 'intensity.observedAt');
  need(r.period === undefined || ['annual', 'hour', 'half-hour', 'fixed'].includes(r.period as string), 'intensity.period is unknown', 'intensity.period');
  need(optionalText(r.cachedAt, 64), 'intensity.cachedAt must be a short time', 'intensity.cachedAt');
  let fallback: IntensityReading['fallback'];
  if (r.fallback !== undefined) {
    const f = r.fallback as Obj;
    need(isObj(f) && text(f.fromSource, 100) && text(f.reason, 300), 'intensity.fallback must name a source and a short reason', 'intensity.fallback');
    fallback = { fromSource: f.fromSource as string, reason: f.reason as string };
  }
  const reading = pick<IntensityReading>(r, ['gramsCo2PerKwh', 'zone', 'source', 'kind', 'observedAt', 'period', 'isLive', 'vintage', 'cachedAt']);
  return fallback ? { ...reading, fallback } : reading;
}

function checkPower(v: unknown): PowerModel {
  need(isObj(v), 'profile.power must be an object', 'profile.power');
  const p = v as Obj;
  const idle = checkBound(p.idleWatts, 'idleWatts', 'power.idleWatts');
  const max = checkBound(p.maxWatts, 'maxWatts', 'power.maxWatts');
  if (idle > max) throw new RunMessageError(`power.idleWatts ${idle} exceeds maxWatts ${max}`, 'out-of-range', 'power.idleWatts');
  if (p.ramGb !== null) checkBound(p.ramGb, 'ramGb', 'power.ramGb');
  checkBound(p.ramWattsPerGb, 'ramWattsPerGb', 'power.ramWattsPerGb');
  need(p.label === 'estimated' || p.label === 'configured' || p.label === 'measured', 'power.label is unknown', 'power.label');
  need(text(p.source, 300), 'power.source must be short text', 'power.source');
  need(p.deviceClass === undefined || ['phone', 'tablet', 'laptop', 'desktop'].includes(p.deviceClass as string), 'power.deviceClass is unknown', 'power.deviceClass');
  need(p.arch === undefined || ['apple-silicon', 'x86', 'arm', 'unknown'].includes(p.arch as string), 'power.arch is unknown', 'power.arch');
  return pick<PowerModel>(p, ['deviceClass', 'arch', 'idleWatts', 'maxWatts', 'ramGb', 'ramWattsPerGb', 'label', 'source']);
}

/** Check a run-plane node message (already JSON-parsed); undefined when the kind is not run-plane. */
export function checkRunNodeMessage(m: Obj): RunNodeMessage | undefined {
  switch (m.kind) {
    case 'profile':
      return { kind: 'profile', intensity: checkIntensity(m.intensity), power: checkPower(m.power), slowdown: checkBound(m.slowdown, 'slowdown', 'profile.slowdown') };
    case 'slice-request':
      need(u32(m.runId) && u16(m.sliceIndex) && hash(m.sha256), 'slice-request needs runId, sliceIndex and a sha256', 'slice-request.runId');
      return pick<SliceRequestMessage>(m, ['kind', 'runId', 'sliceIndex', 'sha256']);
    case 'deployed':
      need(u32(m.runId) && u16(m.sliceIndex) && hash(m.sha256), 'deployed needs runId, sliceIndex and a sha256', 'deployed.runId');
      need(typeof m.fromCache === 'boolean', 'deployed needs fromCache', 'deployed.fromCache');
      checkBound(m.loadMs, 'loadMs', 'deployed.loadMs');
      return pick<DeployedMessage>(m, ['kind', 'runId', 'sliceIndex', 'sha256', 'fromCache', 'loadMs']);
    case 'deploy-failed':
    case 'request-failed':
      need(u32(m.runId) && u16(m.sliceIndex) && text(m.reason), `${m.kind} needs runId, sliceIndex and a short reason`, `${m.kind}.runId`);
      need(m.kind === 'deploy-failed' || u32(m.requestId), 'request-failed needs requestId', 'request-failed.requestId');
      need(m.kind === 'request-failed' || m.retryable === undefined || typeof m.retryable === 'boolean', 'deploy-failed.retryable must be a boolean', 'deploy-failed.retryable');
      return m.kind === 'deploy-failed'
        ? pick<DeployFailedMessage>(m, ['kind', 'runId', 'sliceIndex', 'reason', 'retryable'])
        : pick<RequestFailedMessage>(m, ['kind', 'runId', 'requestId', 'sliceIndex', 'reason']);
    case 'executed':
      need(u32(m.runId) && u32(m.requestId) && u16(m.sliceIndex), 'executed needs runId, requestId, sliceIndex', 'executed.runId');
      checkBound(m.busyMs, 'busyMs', 'executed.busyMs');
      checkBound(m.wallMs, 'wallMs', 'executed.wallMs');
      checkBound(m.outputBytes, 'outputBytes', 'executed.outputBytes');
      if (m.queuedMs !== undefined) checkBound(m.queuedMs, 'wallMs', 'executed.queuedMs');
      return pick<ExecutedMessage>(m, ['kind', 'runId', 'requestId', 'sliceIndex', 'busyMs', 'wallMs', 'outputBytes', 'queuedMs']);
    default:
      return undefined;
  }
}

/** Check a run-plane coordinator message; undefined when the kind is not run-plane. */
export function checkRunCoordinatorMessage(m: Obj): RunCoordinatorMessage | undefined {
  switch (m.kind) {
    case 'deploy':
      need(u32(m.runId) && u16(m.sliceIndex) && hash(m.sha256), 'deploy needs runId, sliceIndex and a sha256', 'deploy.runId');
      checkBound(m.byteLength, 'sliceBytes', 'deploy.byteLength');
      need(m.backend === 'wasm' || m.backend === 'webgpu', 'deploy.backend must be wasm or webgpu', 'deploy.backend');
      need(names(m.inputNames) && names(m.outputNames), 'deploy input/output names must be lists of text', 'deploy.inputNames');
      need(text(m.upstreamPeerId, 200) && text(m.downstreamPeerId, 200), 'deploy needs upstream and downstream peer ids', 'deploy.upstreamPeerId');
      if (m.linkCredential !== undefined) {
        const c = m.linkCredential as Obj;
        need(
          isObj(c) && text(c.room, 64) && u32(c.runId) && text(c.peerId, 200) && b64(c.nodeKey, 43) && b64(c.signature, 86) && typeof c.expiresAtMs === 'number' && Number.isFinite(c.expiresAtMs),
          'deploy.linkCredential must have room, runId, peerId, nodeKey, expiresAtMs and signature',
          'deploy.linkCredential',
        );
        const credential = pick<WireLinkCredential>(c, ['room', 'runId', 'peerId', 'nodeKey', 'expiresAtMs', 'signature']);
        return { ...pick<DeployMessage>(m, DEPLOY_KEYS), linkCredential: credential };
      }
      return pick<DeployMessage>(m, DEPLOY_KEYS);
    case 'undeploy':
      need(m.keepRunId === null || u32(m.keepRunId), 'undeploy.keepRunId must be a run id or null', 'undeploy.keepRunId');
      return { kind: 'undeploy', keepRunId: m.keepRunId as number | null };
    case 'configure':
      if (m.slowdown !== undefined) checkBound(m.slowdown, 'slowdown', 'configure.slowdown');
      return pick<ConfigureMessage>(m, ['kind', 'slowdown']);
    case 'tap':
      need(u32(m.runId) && u32(m.requestId), 'tap needs runId and requestId', 'tap.runId');
      return pick<TapMessage>(m, ['kind', 'runId', 'requestId']);
    default:
      return undefined;
  }
}
