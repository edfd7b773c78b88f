import { afterEach, describe, expect, it, vi } from 'vitest';
import { IntensitySourceError, UnknownZoneError } from '../../../src/carbon/intensity';
import { RateLimitedError, fetchJson, parseRetryAfterMs } from '../../../src/carbon/live-fetch';
import { createElectricityMapsSource, createUkCarbonIntensitySource } from '../../../src/carbon/live-intensity';
import { jsonResponse, notJsonResponse, scriptedFetch, ukBody } from './fake-fetch';

afterEach(() => {
  vi.useRealTimers();
});

describe('UK Carbon Intensity source', () => {
  it('reads the actual figure, labelled live and half-hourly', async () => {
    const { fetch, calls } = scriptedFetch(jsonResponse(ukBody(182, 190)));
    const reading = await createUkCarbonIntensitySource({ fetch }).read('UK');
    expect(reading).toMatchObject({
      gramsCo2PerKwh: 182, zone: 'GB', source: 'uk-carbon-intensity', kind: 'average', isLive: true, period: 'half-hour',
      observedAt: '2026-03-01T12:00:00.000Z',
    });
    expect(calls[0]?.url).toBe('https://api.carbonintensity.org.uk/intensity');
  });

  it('uses the forecast when no actual is published yet, and says so', async () => {
    const { fetch } = scriptedFetch(jsonResponse(ukBody(null, 190)));
    const reading = await createUkCarbonIntensitySource({ fetch }).read('GB');
    expect(reading.gramsCo2PerKwh).toBe(190);
    expect(reading.vintage).toMatch(/forecast/);
  });

  it('covers Great Britain only', async () => {
    const { fetch, calls } = scriptedFetch();
    await expect(createUkCarbonIntensitySource({ fetch }).read('FR')).rejects.toThrow(UnknownZoneError);
    expect(calls).toHaveLength(0);
  });

  it('turns the half-hourly forecast into an hourly day profile', async () => {
    const data = Array.from({ length: 48 }, (_, i) => ({
      from: new Date(Date.UTC(2026, 2, 1, 0, 30 * i)).toISOString(),
      intensity: { forecast: i % 2 === 0 ? 100 : 200, actual: null },
    }));
    const { fetch, calls } = scriptedFetch(jsonResponse({ data }));
    const profile = await createUkCarbonIntensitySource({ fetch, now: () => Date.UTC(2026, 2, 1) }).dayProfile?.('GB');
    expect(calls[0]?.url).toBe('https://api.carbonintensity.org.uk/intensity/2026-03-01T00:00Z/fw24h');
    expect(profile?.points).toHaveLength(24);
    expect(profile?.points[0]).toEqual({ startsAt: '2026-03-01T00:00:00.000Z', gramsCo2PerKwh: 150 });
  });

  it('calls garbage garbage: missing data, non-numbers, absurd values', async () => {
    for (const body of [{}, { data: [] }, ukBody(null, Number.NaN), { data: [{ from: 'x', intensity: { actual: 10 } }] }, ukBody(99_999, 1)]) {
      const { fetch } = scriptedFetch(jsonResponse(body));
      await expect(createUkCarbonIntensitySource({ fetch }).read('GB')).rejects.toMatchObject({ failure: 'garbage' });
    }
    const { fetch } = scriptedFetch(notJsonResponse());
    await expect(createUkCarbonIntensitySource({ fetch }).read('GB')).rejects.toThrow(/garbage: body is not JSON/);
  });

  it('reports HTTP errors and network errors by name', async () => {
    const { fetch } = scriptedFetch(jsonResponse({}, 503), new TypeError('fetch failed'));
    const source = createUkCarbonIntensitySource({ fetch });
    await expect(source.read('GB')).rejects.toThrow('uk-carbon-intensity: http: HTTP 503');
    await expect(source.read('GB')).rejects.toMatchObject({ failure: 'network' });
  });

  it('times out a hanging request after timeoutMs', async () => {
    vi.useFakeTimers();
    const { fetch } = scriptedFetch('hang');
    const pending = createUkCarbonIntensitySource({ fetch, timeoutMs: 1500 }).read('GB');
    const assertion = expect(pending).rejects.toThrow('timeout: no answer after 1500 ms');
    await vi.advanceTimersByTimeAsync(1500);
    await assertion;
  });
});

describe('Electricity Maps source', () => {
  it('sends the token header and reads the latest figure', async () => {
    const { fetch, calls } = scriptedFetch(
      jsonResponse({ zone: 'DE', carbonIntensity: 302, datetime: '2026-03-01T12:00:00.000Z', isEstimated: true }),
    );
    const reading = await createElectricityMapsSource({ fetch, token: 't0ken' }).read('DEU');
    expect(calls[0]).toEqual({ url: 'https://api.electricitymap.org/v3/carbon-intensity/latest?zone=DE', headers: { 'auth-token': 't0ken' } });
    expect(reading).toMatchObject({ gramsCo2PerKwh: 302, zone: 'DE', source: 'electricity-maps', isLive: true, period: 'hour' });
    expect(reading.vintage).toMatch(/estimated/);
  });

  it('returns an hourly forecast as the day profile', async () => {
    const forecast = Array.from({ length: 30 }, (_, h) => ({ carbonIntensity: 200 + h, datetime: new Date(Date.UTC(2026, 2, 1, h)).toISOString() }));
    const { fetch } = scriptedFetch(jsonResponse({ zone: 'FR', forecast }));
    const profile = await createElectricityMapsSource({ fetch, token: 't' }).dayProfile?.('FR');
    expect(profile?.points).toHaveLength(24);
    expect(profile?.points[23]?.gramsCo2PerKwh).toBe(223);
  });

  it('refuses to call without a token and rejects malformed zones', async () => {
    const { fetch, calls } = scriptedFetch();
    await expect(createElectricityMapsSource({ fetch, token: '' }).read('FR')).rejects.toMatchObject({ failure: 'config' });
    await expect(createElectricityMapsSource({ fetch, token: 't' }).read('not a zone')).rejects.toThrow(UnknownZoneError);
    expect(calls).toHaveLength(0);
  });
});

describe('fetchJson', () => {
  it('maps 429 to RateLimitedError with Retry-After', async () => {
    const { fetch } = scriptedFetch(jsonResponse({}, 429, { 'retry-after': '120' }));
    const error = await fetchJson({ sourceId: 's', fetch, url: 'u', timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(120_000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const { fetch } = scriptedFetch('hang');
    const pending = fetchJson({ sourceId: 's', fetch, url: 'u', timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'aborted' });
    await expect(fetchJson({ sourceId: 's', fetch, url: 'u', timeoutMs: 0 })).rejects.toBeInstanceOf(IntensitySourceError);
  });
});
