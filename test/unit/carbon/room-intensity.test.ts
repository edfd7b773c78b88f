import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidTokenError, RoomIntensityService, validateElectricityMapsToken } from '../../../src/carbon/room-intensity';
import { jsonResponse, notJsonResponse, scriptedFetch } from './fake-fetch';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const NOW = Date.UTC(2026, 2, 1, 12, 10); // 10 min after the fixtures' half-hour starts
const TOKEN = 'em-test-token-5f3c9a';

function service(answers: Parameters<typeof scriptedFetch>, extra: Partial<ConstructorParameters<typeof RoomIntensityService>[0]> = {}) {
  let nowMs = NOW;
  const scripted = scriptedFetch(...answers);
  const room = new RoomIntensityService({ fetch: scripted.fetch, now: () => nowMs, minIntervalMs: 0, ...extra });
  return { room, calls: scripted.calls, advance: (ms: number) => void (nowMs += ms) };
}

describe('RoomIntensityService: live, stale, garbage and offline', () => {
  it('live: GB from UK Carbon Intensity without a key, with its timestamp', async () => {
    const { room, calls } = service([jsonResponse(fixture('uk-intensity-live.json'))]);
    const answer = await room.read('UK');
    expect(answer).toMatchObject({ zone: 'GB', state: 'live', ageMs: 10 * 60_000 });
    expect(answer.reading).toMatchObject({ gramsCo2PerKwh: 143, source: 'uk-carbon-intensity', isLive: true, observedAt: '2026-03-01T12:00:00.000Z' });
    expect(answer.label).toBe('live 12:00 UTC, 10 min old, uk-carbon-intensity');
    expect(calls[0]?.url).toBe('https://api.carbonintensity.org.uk/intensity');
    expect(calls[0]?.headers).toEqual({});
  });

  it('live: a sub-national zone from Electricity Maps with the room token in the header only', async () => {
    const { room, calls } = service([jsonResponse(fixture('em-latest-live.json'))], { electricityMapsToken: TOKEN });
    const answer = await room.read('us-cal-ciso');
    expect(answer).toMatchObject({ zone: 'US-CAL-CISO', state: 'live' });
    expect(answer.reading).toMatchObject({ gramsCo2PerKwh: 187, source: 'electricity-maps', zone: 'US-CAL-CISO' });
    expect(calls[0]).toEqual({ url: 'https://api.electricitymap.org/v3/carbon-intensity/latest?zone=US-CAL-CISO', headers: { 'auth-token': TOKEN } });
  });

  it('stale: a live figure older than two hours is labelled stale with its age', async () => {
    const { room } = service([jsonResponse(fixture('uk-intensity-old.json'))]);
    const answer = await room.read('GB');
    expect(answer.state).toBe('stale');
    expect(answer.ageMs).toBe(5 * 3_600_000 + 10 * 60_000);
    expect(answer.label).toBe('STALE: live figure of 07:00 UTC, 310 min old, uk-carbon-intensity');
  });

  it('stale: when the provider goes offline after a live read, the cached live figure stands in, labelled', async () => {
    const { room, advance } = service([jsonResponse(fixture('uk-intensity-live.json')), new TypeError('fetch failed')]);
    await room.read('GB');
    advance(20 * 60_000); // past the 15 min cache
    const answer = await room.read('GB');
    expect(answer.state).toBe('stale');
    expect(answer.reading.gramsCo2PerKwh).toBe(143);
    expect(answer.label).toMatch(/^STALE: live figure of 12:00 UTC, 30 min old, uk-carbon-intensity \(uk-carbon-intensity failed: network: fetch failed; using the cached live value\)$/);
  });

  it('offline with nothing cached: the bundled yearly figure, labelled fallback with the reason', async () => {
    const { room } = service([new TypeError('fetch failed')]);
    const answer = await room.read('GB');
    expect(answer.state).toBe('fallback');
    expect(answer.reading).toMatchObject({ source: 'bundled-electricity-maps', gramsCo2PerKwh: 176, year: 2025, isLive: false });
    expect(answer.label).toBe('FALLBACK: bundled-electricity-maps 2025 figure (uk-carbon-intensity failed: network: fetch failed)');
  });

  it('garbage: non-numeric, negative, undated and non-JSON bodies fall back, each with its reason', async () => {
    const cases: Array<[Parameters<typeof scriptedFetch>[0], string, RegExp]> = [
      [jsonResponse(fixture('garbage-uk-string-intensity.json')), 'GB', /garbage: intensity\.forecast is not a number \(high\)/],
      [jsonResponse(fixture('garbage-em-negative.json')), 'DE', /garbage: carbonIntensity: .*-40 gCO2\/kWh is outside/],
      [jsonResponse(fixture('garbage-em-no-date.json')), 'DE', /garbage: datetime is not a date/],
      [notJsonResponse(), 'DE', /garbage: body is not JSON/],
      [jsonResponse({}, 503), 'DE', /http: HTTP 503/],
    ];
    for (const [answer, zone, reason] of cases) {
      const { room } = service([answer], { electricityMapsToken: TOKEN });
      const result = await room.read(zone);
      expect(result.state, String(reason)).toBe('fallback');
      expect(result.reading.fallback?.reason).toMatch(reason);
      expect(result.reading.isLive).toBe(false);
    }
  });

  it('no provider for a zone without a token: bundled, labelled why, and no request made', async () => {
    const { room, calls } = service([]);
    const answer = await room.read('FR');
    expect(answer).toMatchObject({ state: 'fallback', reading: { gramsCo2PerKwh: 31, source: 'bundled-electricity-maps' } });
    expect(answer.label).toContain("Electricity Maps needs the room's token");
    expect(calls).toHaveLength(0);
  });
});

describe('RoomIntensityService: the token stays with the coordinator', () => {
  it('never writes the token to JSON, answers or error labels', async () => {
    const { room } = service([jsonResponse({ message: `bad token ${TOKEN}` }, 401), jsonResponse(fixture('em-latest-live.json'))], { electricityMapsToken: TOKEN });
    const failed = await room.read('DE');
    const ok = await room.read('US-CAL-CISO');
    const everything = JSON.stringify({ room, failed, ok });
    expect(everything).not.toContain(TOKEN);
    expect(JSON.stringify(room)).toBe('{"electricityMapsToken":"held by the coordinator","staleAfterMs":7200000}');
    expect(room.hasElectricityMapsToken).toBe(true);
    expect(failed.reading.fallback?.reason).toBe('http: HTTP 401');
  });

  it('refuses a malformed token without repeating it', () => {
    expect(() => validateElectricityMapsToken('short')).toThrow(InvalidTokenError);
    expect(() => new RoomIntensityService({ electricityMapsToken: 'has a space in it' })).toThrow('got 17 characters');
    expect(() => new RoomIntensityService({ electricityMapsToken: 'has a space in it' })).not.toThrow(/space in/);
  });
});

describe('RoomIntensityService: forecasts', () => {
  it('gives the UK 48-hour forecast as hourly points, and null where no provider has one', async () => {
    const data = Array.from({ length: 96 }, (_, i) => {
      const from = new Date(Date.UTC(2026, 2, 1, 12, 30 * i)).toISOString().slice(0, 16) + 'Z';
      return { from, to: from, intensity: { forecast: 100 + i, actual: null, index: 'moderate' } };
    });
    const { room, calls } = service([jsonResponse({ data })]);
    const profile = await room.forecast('GB');
    expect(calls[0]?.url).toBe('https://api.carbonintensity.org.uk/intensity/2026-03-01T12:10Z/fw48h');
    expect(profile?.points.length).toBe(48);
    expect(profile?.points[0]).toEqual({ startsAt: '2026-03-01T12:00:00.000Z', gramsCo2PerKwh: 100.5 });
    expect(await room.forecast('FR')).toBeNull();
  });
});
