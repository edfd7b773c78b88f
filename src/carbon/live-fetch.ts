/**
 * The one network path of src/carbon: a JSON GET through an injectable fetch, bounded by a timeout
 * and the caller's AbortSignal. Tests pass a fake fetch; nothing here touches the network unless
 * the real `fetch` is passed in (the default only where the caller asks for a live source).
 */
import { IntensitySourceError } from './intensity';

/** The subset of a fetch Response the live providers read. */
export interface FetchResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers?: { get(name: string): string | null };
  json(): Promise<unknown>;
}

/** The subset of `fetch` the live providers call; inject a fake in tests. */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<FetchResponseLike>;

/** `globalThis.fetch` adapted to {@link FetchLike} (works in Node 20, pages and workers). */
export const globalFetch: FetchLike = (url, init) => globalThis.fetch(url, init);

/** An IntensitySourceError for HTTP 429, carrying the server's Retry-After in ms when given. */
export class RateLimitedError extends IntensitySourceError {
  override name = 'RateLimitedError';
  constructor(sourceId: string, readonly retryAfterMs: number | undefined) {
    super(sourceId, 'rate-limited', `HTTP 429${retryAfterMs !== undefined ? `, retry after ${retryAfterMs} ms` : ''}`);
  }
}

/** Input of {@link fetchJson}. */
export interface FetchJsonInput {
  /** Source id for error messages. */
  readonly sourceId: string;
  readonly fetch: FetchLike;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Hard bound on the whole request, ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * GET `url` and parse JSON. Throws IntensitySourceError with failure `timeout` (after timeoutMs,
 * even if the fetch ignores its signal), `aborted`, `network`, `http` (non-2xx), `rate-limited`
 * (429, see {@link RateLimitedError}) or `garbage` (body is not JSON).
 */
export async function fetchJson(input: FetchJsonInput): Promise<unknown> {
  const { sourceId, timeoutMs, signal } = input;
  if (!(timeoutMs > 0)) throw new IntensitySourceError(sourceId, 'config', `timeoutMs must be > 0, got ${timeoutMs}`);
  if (signal?.aborted) throw new IntensitySourceError(sourceId, 'aborted', 'aborted before the request');
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const bounded = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new IntensitySourceError(sourceId, 'timeout', `no answer after ${timeoutMs} ms`));
    }, timeoutMs);
    onAbort = () => {
      controller.abort();
      reject(new IntensitySourceError(sourceId, 'aborted', 'aborted by the caller'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const request = async (): Promise<unknown> => {
    let response: FetchResponseLike;
    try {
      response = await input.fetch(input.url, { headers: input.headers ?? {}, signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) throw error; // the timeout/abort rejection wins the race
      throw new IntensitySourceError(sourceId, 'network', (error as Error)?.message ?? String(error));
    }
    if (response.status === 429) throw new RateLimitedError(sourceId, parseRetryAfterMs(response.headers?.get('retry-after')));
    if (!response.ok) throw new IntensitySourceError(sourceId, 'http', `HTTP ${response.status}`);
    try {
      return await response.json();
    } catch (error) {
      throw new IntensitySourceError(sourceId, 'garbage', `body is not JSON (${(error as Error)?.message ?? error})`);
    }
  };
  try {
    return await Promise.race([request(), bounded]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Retry-After header (seconds, or an HTTP date) in ms; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

/** Read a property path from unknown JSON, or undefined. */
export function pick(value: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
