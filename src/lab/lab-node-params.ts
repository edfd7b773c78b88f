/**
 * The node page's lab parameters (issue 7): a join URL may carry
 * `&name=Node-High&slowdown=2.5&intensity=620&watts=30&idle=6&zone=PL` so that `carbonedge
 * experiment` can open one headless page per scenario node with its own name, speed, grid and power.
 * Pure: the node page passes `location.search`; the lab runner builds the same query with
 * {@link labNodeQuery}. Zone, intensity and watts stay text here: the node page checks them with
 * the carbon profile's `apply*Input` functions, so their provenance labels (configured) stay right.
 */

/** URL parameter names, in the order the runner writes them. */
export const LAB_PARAM_NAMES = ['name', 'slowdown', 'zone', 'intensity', 'watts', 'idle', 'memory', 'threads'] as const;

/** Largest slowdown a lab node accepts (a 1/100 CPU quota). */
export const MAX_LAB_SLOWDOWN = 100;

/** Most WASM threads a lab node's worker may ask for. */
export const MAX_LAB_THREADS = 16;

/** Parsed lab parameters; absent fields keep the node page's defaults. */
export interface LabNodeParams {
  readonly name?: string;
  /** Worker duty-cycle slowdown s >= 1 (busy t, idle (s-1) t). */
  readonly slowdown?: number;
  /** Grid zone text, checked by applyZoneInput. */
  readonly zone?: string;
  /** Intensity text (gCO2/kWh or scenario:NAME), checked by applyIntensityInput. */
  readonly intensity?: string;
  /** Full-load power text, W, checked by applyPowerInput. */
  readonly watts?: string;
  /** Idle power, W (needs watts; must not exceed it). */
  readonly idleWatts?: number;
  /** Memory the node offers, MB (reported as the node's device memory). */
  readonly memoryMb?: number;
  /** WASM threads of the worker (capped by what the page can have: 1 unless crossOriginIsolated). */
  readonly threads?: number;
}

/** Outcome of {@link parseLabNodeParams}: `lab: false` when the URL has no lab parameter. */
export type LabParamsResult =
  | { readonly ok: true; readonly lab: false }
  | { readonly ok: true; readonly lab: true; readonly params: LabNodeParams }
  | { readonly ok: false; readonly reason: string };

function positiveNumber(text: string, what: string, min: number, max: number): number | string {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) return `lab parameter ${what}="${text}" is not a number`;
  if (value < min || value > max) return `lab parameter ${what}=${value} must be between ${min} and ${max}`;
  return value;
}

/** Read the lab parameters of a node URL; bad values give a one-line reason (never throw). */
export function parseLabNodeParams(search: string | URLSearchParams): LabParamsResult {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  if (!LAB_PARAM_NAMES.some((name) => params.has(name))) return { ok: true, lab: false };
  const out: { -readonly [K in keyof LabNodeParams]: LabNodeParams[K] } = {};
  const name = params.get('name');
  if (name !== null) {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 64) return { ok: false, reason: `lab parameter name must have 1 to 64 characters, got ${trimmed.length}` };
    out.name = trimmed;
  }
  const slowdown = params.get('slowdown');
  if (slowdown !== null) {
    const value = positiveNumber(slowdown, 'slowdown', 1, MAX_LAB_SLOWDOWN);
    if (typeof value === 'string') return { ok: false, reason: value };
    out.slowdown = value;
  }
  for (const key of ['zone', 'intensity', 'watts'] as const) {
    const text = params.get(key);
    if (text !== null) out[key] = text;
  }
  const idle = params.get('idle');
  if (idle !== null) {
    if (out.watts === undefined) return { ok: false, reason: 'lab parameter idle needs watts (the full-load power) as well' };
    const value = positiveNumber(idle, 'idle', 0, Number(out.watts) || 0);
    if (typeof value === 'string') return { ok: false, reason: `${value} (idle must not exceed watts)` };
    out.idleWatts = value;
  }
  const memory = params.get('memory');
  if (memory !== null) {
    const value = positiveNumber(memory, 'memory', 1, 1_048_576);
    if (typeof value === 'string') return { ok: false, reason: `${value} MB` };
    out.memoryMb = value;
  }
  const threads = params.get('threads');
  if (threads !== null) {
    const value = positiveNumber(threads, 'threads', 1, MAX_LAB_THREADS);
    if (typeof value === 'string') return { ok: false, reason: value };
    if (!Number.isInteger(value)) return { ok: false, reason: `lab parameter threads=${value} must be a whole number` };
    out.threads = value;
  }
  return { ok: true, lab: true, params: out };
}

/** The query string (without `?`) carrying `params`, to append to a join URL. */
export function labNodeQuery(params: LabNodeParams): string {
  const query = new URLSearchParams();
  if (params.name !== undefined) query.set('name', params.name);
  if (params.slowdown !== undefined) query.set('slowdown', String(params.slowdown));
  if (params.zone !== undefined) query.set('zone', params.zone);
  if (params.intensity !== undefined) query.set('intensity', params.intensity);
  if (params.watts !== undefined) query.set('watts', params.watts);
  if (params.idleWatts !== undefined) query.set('idle', String(params.idleWatts));
  if (params.memoryMb !== undefined) query.set('memory', String(params.memoryMb));
  if (params.threads !== undefined) query.set('threads', String(params.threads));
  return query.toString();
}
