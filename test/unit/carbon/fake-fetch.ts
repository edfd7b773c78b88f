import type { FetchLike, FetchResponseLike } from '../../../src/carbon/live-fetch';

/** A scripted fetch: each call takes the next answer; records the URLs and headers asked. */
export function scriptedFetch(...answers: Array<FetchResponseLike | Error | 'hang'>) {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, headers: init.headers });
    const answer = answers.shift() ?? new Error('no scripted answer left');
    if (answer === 'hang') {
      return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { fetch, calls };
}

/** A JSON response with a status. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): FetchResponseLike {
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    json: () => Promise.resolve(body),
  };
}

/** A 200 response whose body is not JSON. */
export function notJsonResponse(): FetchResponseLike {
  return { ok: true, status: 200, json: () => Promise.reject(new SyntaxError('Unexpected token <')) };
}

/** A UK Carbon Intensity `/intensity` body. */
export function ukBody(actual: number | null, forecast: number, from = '2026-03-01T12:00Z') {
  return { data: [{ from, to: '2026-03-01T12:30Z', intensity: { forecast, actual, index: 'moderate' } }] };
}
