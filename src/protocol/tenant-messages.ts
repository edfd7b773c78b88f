/**
 * The tenant plane (issue 15, "Budgets between people"): a tenant page (a student group's tab,
 * opened from its tenant link) talks to the coordinator over the same mesh as nodes, with its own
 * JSON messages. Tenants are untrusted peers: every message is parsed here, every number bounded,
 * every string length-capped, and parsed messages carry only checked fields.
 *
 * Handshake: `tenant-hello` (tenant id + fresh nonce) -> `tenant-challenge` (the coordinator's key
 * and a signature over the room, the tenant's nonce and its own nonce, checked against the link's
 * `fp` before any secret leaves the page) -> `tenant-auth` (the tenant link's secret) ->
 * `tenant-welcome` + `tenant-status`, or `tenant-reject` and the link closes.
 */
import { ProtocolError, checkBound, pick } from './bounds';
import { MAX_CONTROL_MESSAGE_CHARS } from './messages';

/** A tenant's id (lowercase letters and digits, as in tenant links). */
export const TENANT_ID_RE = /^[a-z0-9]{6,32}$/;
/** A tenant link's secret: 16 random bytes, base64url without padding. */
export const TENANT_SECRET_RE = /^[A-Za-z0-9_-]{22}$/;
/** Inferences one submission may ask for. */
export const TENANT_INFERENCES = { min: 1, max: 10_000 } as const;
/** Largest budget or gram figure carried, gCO2e (a thousand tonnes: far above any classroom). */
export const MAX_TENANT_GRAMS = 1e9;
/** Most runs listed in one status message (the desk keeps at most this many per tenant). */
export const MAX_TENANT_RUNS = 100;
/** Most model names offered in a welcome. */
export const MAX_TENANT_MODELS = 64;
/** Longest display name of a tenant. */
export const MAX_TENANT_NAME = 64;
/** Longest model name. */
export const MAX_MODEL_NAME = 64;
/** Longest message or reason text. */
export const MAX_TENANT_TEXT = 500;

/** States of a tenant's run (as the budget broker names them). */
export const TENANT_RUN_STATES = ['queued', 'running', 'done', 'stopped', 'refused'] as const;
/** One of {@link TENANT_RUN_STATES}. */
export type TenantRunState = (typeof TENANT_RUN_STATES)[number];

/** Tenant -> coordinator: first message on a new link. */
export interface TenantHelloMessage {
  readonly kind: 'tenant-hello';
  readonly protocolVersion: number;
  readonly tenantId: string;
  /** Fresh nonce (22 base64url chars) the coordinator signs in its challenge. */
  readonly nonce: string;
}

/** Tenant -> coordinator: the tenant link's secret, once the coordinator proved who it is. */
export interface TenantAuthMessage {
  readonly kind: 'tenant-auth';
  readonly secret: string;
}

/** Tenant -> coordinator: run `inferences` of a catalogue model under this tenant's budget. */
export interface TenantSubmitMessage {
  readonly kind: 'tenant-submit';
  readonly model: string;
  readonly inferences: number;
}

/** Everything a tenant may send. */
export type TenantMessage = TenantHelloMessage | TenantAuthMessage | TenantSubmitMessage;

/** Coordinator -> tenant: who the coordinator is (signed over the tenant's nonce). */
export interface TenantChallengeMessage {
  readonly kind: 'tenant-challenge';
  readonly protocolVersion: number;
  /** Ed25519 public key, 43 base64url chars (its fingerprint is the link's `fp`). */
  readonly coordinatorKey: string;
  readonly coordinatorNonce: string;
  /** 86 base64url chars (src/trust/identity.ts signWelcome over the tenant's fields). */
  readonly signature: string;
}

/** Coordinator -> tenant: admitted. */
export interface TenantWelcomeMessage {
  readonly kind: 'tenant-welcome';
  readonly tenantId: string;
  readonly name: string;
  /** Catalogue models a tenant may submit. */
  readonly models: readonly string[];
}

/** Coordinator -> tenant: refused; the link closes after this. */
export interface TenantRejectMessage {
  readonly kind: 'tenant-reject';
  readonly reason: string;
}

/** Coordinator -> tenant: a submission was not taken (bad model, too many runs). */
export interface TenantErrorMessage {
  readonly kind: 'tenant-error';
  readonly message: string;
}

/** The tenant's grams against its budget. */
export interface TenantBudgetStatus {
  readonly tenantId: string;
  readonly name: string;
  readonly budgetGramsCo2: number;
  readonly spentGramsCo2: number;
  readonly reservedGramsCo2: number;
  readonly remainingGramsCo2: number;
  readonly overdraftGramsCo2: number;
}

/** One of the tenant's runs. */
export interface TenantRunStatus {
  readonly runId: string;
  readonly model: string;
  readonly state: TenantRunState;
  readonly inferences: number;
  readonly completed: number;
  readonly measuredGramsCo2: number;
  /** The planner's gCO2e per inference the run was submitted with, shown next to the measured (optional: older coordinators do not send it). */
  readonly predictedGramsPerInference?: number;
  /** The broker's message (why refused, stopped, slowed or waiting), or null. */
  readonly message: string | null;
}

/** Coordinator -> tenant: this tenant's budget and runs (never another tenant's). */
export interface TenantStatusMessage {
  readonly kind: 'tenant-status';
  readonly tenant: TenantBudgetStatus;
  readonly runs: readonly TenantRunStatus[];
}

/** Everything the coordinator may send a tenant. */
export type CoordinatorTenantMessage = TenantChallengeMessage | TenantWelcomeMessage | TenantRejectMessage | TenantErrorMessage | TenantStatusMessage;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isB64 = (v: unknown, length: number): v is string => typeof v === 'string' && v.length === length && /^[A-Za-z0-9_-]*$/.test(v);

function need(cond: boolean, what: string, field: string): asserts cond {
  if (!cond) throw new ProtocolError(what, 'malformed', field);
}

function parseJson(text: unknown): Obj {
  if (typeof text !== 'string') throw new ProtocolError('tenant message is not text', 'not-text');
  if (text.length > MAX_CONTROL_MESSAGE_CHARS) throw new ProtocolError(`tenant message of ${text.length} chars exceeds ${MAX_CONTROL_MESSAGE_CHARS}`, 'too-long');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('tenant message is not JSON', 'not-json');
  }
  if (!isObj(value) || typeof value.kind !== 'string') throw new ProtocolError('tenant message is not an object with a kind', 'not-json');
  return value;
}

/** A whole number in [min, max], else ProtocolError naming the field. */
function whole(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ProtocolError(`${field} must be a finite number`, 'malformed', field);
  if (!Number.isInteger(value) || value < min || value > max) throw new ProtocolError(`${field} ${value} is outside ${min}..${max} (integer)`, 'out-of-range', field);
  return value;
}

/** Grams in [0, MAX_TENANT_GRAMS]. */
function grams(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ProtocolError(`${field} must be a finite number`, 'malformed', field);
  if (value < 0 || value > MAX_TENANT_GRAMS) throw new ProtocolError(`${field} ${value} is outside 0..${MAX_TENANT_GRAMS} gCO2`, 'out-of-range', field);
  return value;
}

/**
 * Whether a link's first message opens a tenant session (cheap: the coordinator routes such links
 * to its tenant desk and every other one to node admission). Parsing proper happens after.
 */
export function isTenantHello(payload: unknown): boolean {
  if (typeof payload !== 'string' || payload.length > MAX_CONTROL_MESSAGE_CHARS) return false;
  try {
    const value = JSON.parse(payload) as unknown;
    return isObj(value) && value.kind === 'tenant-hello';
  } catch {
    return false;
  }
}

/** Accept a tenant -> coordinator message, or throw ProtocolError (reason and field). */
export function parseTenantMessage(text: unknown): TenantMessage {
  const m = parseJson(text);
  switch (m.kind) {
    case 'tenant-hello':
      checkBound(m.protocolVersion, 'protocolVersion', 'tenant-hello.protocolVersion');
      need(typeof m.tenantId === 'string' && TENANT_ID_RE.test(m.tenantId), 'tenant-hello.tenantId must be 6 to 32 lowercase letters or digits', 'tenant-hello.tenantId');
      need(isB64(m.nonce, 22), 'tenant-hello.nonce must be 22 base64url characters', 'tenant-hello.nonce');
      return pick<TenantHelloMessage>(m, ['kind', 'protocolVersion', 'tenantId', 'nonce']);
    case 'tenant-auth':
      need(typeof m.secret === 'string' && TENANT_SECRET_RE.test(m.secret), 'tenant-auth.secret must be 22 base64url characters', 'tenant-auth.secret');
      return pick<TenantAuthMessage>(m, ['kind', 'secret']);
    case 'tenant-submit':
      need(isStr(m.model, MAX_MODEL_NAME) && m.model.length > 0, `tenant-submit.model must be a model name of 1 to ${MAX_MODEL_NAME} characters`, 'tenant-submit.model');
      whole(m.inferences, TENANT_INFERENCES.min, TENANT_INFERENCES.max, 'tenant-submit.inferences');
      return pick<TenantSubmitMessage>(m, ['kind', 'model', 'inferences']);
    default:
      throw new ProtocolError(`unknown tenant message kind "${String(m.kind).slice(0, 40)}"`, 'unknown-kind');
  }
}

function parseBudget(v: unknown): TenantBudgetStatus {
  need(isObj(v), 'tenant-status.tenant must be an object', 'tenant-status.tenant');
  need(typeof v.tenantId === 'string' && TENANT_ID_RE.test(v.tenantId), 'tenant-status.tenant.tenantId is not a tenant id', 'tenant-status.tenant.tenantId');
  need(isStr(v.name, MAX_TENANT_NAME), 'tenant-status.tenant.name must be short text', 'tenant-status.tenant.name');
  const fields = ['budgetGramsCo2', 'spentGramsCo2', 'reservedGramsCo2', 'remainingGramsCo2', 'overdraftGramsCo2'] as const;
  for (const f of fields) grams(v[f], `tenant-status.tenant.${f}`);
  return pick<TenantBudgetStatus>(v, ['tenantId', 'name', ...fields]);
}

function parseRun(v: unknown, at: string): TenantRunStatus {
  need(isObj(v), `${at} must be an object`, at);
  need(isStr(v.runId, 64) && v.runId.length > 0, `${at}.runId must be short text`, `${at}.runId`);
  need(isStr(v.model, MAX_MODEL_NAME), `${at}.model must be a model name`, `${at}.model`);
  need((TENANT_RUN_STATES as readonly unknown[]).includes(v.state), `${at}.state is unknown`, `${at}.state`);
  whole(v.inferences, TENANT_INFERENCES.min, TENANT_INFERENCES.max, `${at}.inferences`);
  whole(v.completed, 0, v.inferences as number, `${at}.completed`);
  grams(v.measuredGramsCo2, `${at}.measuredGramsCo2`);
  if (v.predictedGramsPerInference !== undefined) grams(v.predictedGramsPerInference, `${at}.predictedGramsPerInference`);
  need(v.message === null || isStr(v.message, MAX_TENANT_TEXT), `${at}.message must be short text or null`, `${at}.message`);
  return { ...pick<TenantRunStatus>(v, ['runId', 'model', 'state', 'inferences', 'completed', 'measuredGramsCo2', 'predictedGramsPerInference']), message: v.message as string | null };
}

/** Accept a coordinator -> tenant message, or throw ProtocolError (reason and field). */
export function parseCoordinatorTenantMessage(text: unknown): CoordinatorTenantMessage {
  const m = parseJson(text);
  switch (m.kind) {
    case 'tenant-challenge':
      checkBound(m.protocolVersion, 'protocolVersion', 'tenant-challenge.protocolVersion');
      need(isB64(m.coordinatorKey, 43), 'tenant-challenge.coordinatorKey must be 43 base64url characters', 'tenant-challenge.coordinatorKey');
      need(isB64(m.coordinatorNonce, 22), 'tenant-challenge.coordinatorNonce must be 22 base64url characters', 'tenant-challenge.coordinatorNonce');
      need(isB64(m.signature, 86), 'tenant-challenge.signature must be 86 base64url characters', 'tenant-challenge.signature');
      return pick<TenantChallengeMessage>(m, ['kind', 'protocolVersion', 'coordinatorKey', 'coordinatorNonce', 'signature']);
    case 'tenant-welcome':
      need(typeof m.tenantId === 'string' && TENANT_ID_RE.test(m.tenantId), 'tenant-welcome.tenantId is not a tenant id', 'tenant-welcome.tenantId');
      need(isStr(m.name, MAX_TENANT_NAME), 'tenant-welcome.name must be short text', 'tenant-welcome.name');
      need(Array.isArray(m.models) && m.models.length <= MAX_TENANT_MODELS && m.models.every((x) => isStr(x, MAX_MODEL_NAME)), 'tenant-welcome.models must be a short list of model names', 'tenant-welcome.models');
      return { kind: 'tenant-welcome', tenantId: m.tenantId, name: m.name, models: [...(m.models as string[])] };
    case 'tenant-reject':
    case 'reject': // a coordinator that takes no tenants refuses the link as it refuses nodes
      need(isStr(m.reason, MAX_TENANT_TEXT), 'tenant-reject.reason must be short text', 'tenant-reject.reason');
      return { kind: 'tenant-reject', reason: m.reason };
    case 'tenant-error':
      need(isStr(m.message, MAX_TENANT_TEXT), 'tenant-error.message must be short text', 'tenant-error.message');
      return pick<TenantErrorMessage>(m, ['kind', 'message']);
    case 'tenant-status': {
      need(Array.isArray(m.runs) && m.runs.length <= MAX_TENANT_RUNS, `tenant-status.runs must be a list of at most ${MAX_TENANT_RUNS}`, 'tenant-status.runs');
      return { kind: 'tenant-status', tenant: parseBudget(m.tenant), runs: (m.runs as unknown[]).map((r, i) => parseRun(r, `tenant-status.runs[${i}]`)) };
    }
    default:
      throw new ProtocolError(`unknown message kind "${String(m.kind).slice(0, 40)}"`, 'unknown-kind');
  }
}

/** Serialise a tenant-plane message. */
export function encodeTenantMessage(message: TenantMessage | CoordinatorTenantMessage): string {
  return JSON.stringify(message);
}
