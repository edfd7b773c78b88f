import { describe, expect, it } from 'vitest';
import { lookupBundledIntensity } from '../../../src/carbon/bundled-intensity';
import { guessDeviceClass } from '../../../src/carbon/device-class';
import { guessZoneFromTimeZone, knownTimeZones, zoneFromTimeZone } from '../../../src/carbon/time-zone-zones';

describe('zoneFromTimeZone', () => {
  it('maps IANA time zones to countries', () => {
    expect(zoneFromTimeZone('Europe/Paris')).toBe('FR');
    expect(zoneFromTimeZone('Europe/Warsaw')).toBe('PL');
    expect(zoneFromTimeZone('Asia/Kolkata')).toBe('IN');
    expect(zoneFromTimeZone('America/Los_Angeles')).toBe('US');
    expect(guessZoneFromTimeZone('Europe/London')).toEqual({ zone: 'GB', basis: 'time-zone', label: 'guessed from time zone Europe/London' });
  });

  it('falls back to WORLD with a label for UTC, unknown or missing zones', () => {
    expect(guessZoneFromTimeZone('UTC')).toMatchObject({ zone: 'WORLD', basis: 'fallback' });
    expect(guessZoneFromTimeZone('Mars/Olympus').label).toMatch(/does not name a country: using the world average/);
    expect(zoneFromTimeZone(undefined)).toBe('WORLD');
  });

  it('only names zones that Intl accepts and most have a bundled figure', () => {
    let withFigure = 0;
    for (const tz of knownTimeZones()) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: tz }), tz).not.toThrow();
      if (lookupBundledIntensity(zoneFromTimeZone(tz))) withFigure++;
    }
    expect(withFigure / knownTimeZones().length).toBeGreaterThan(0.9);
  });
});

describe('guessDeviceClass', () => {
  it('tells phones, tablets and computers apart', () => {
    expect(guessDeviceClass({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', maxTouchPoints: 5 }))
      .toMatchObject({ deviceClass: 'phone', arch: 'apple-silicon' });
    expect(guessDeviceClass({ userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36' }))
      .toMatchObject({ deviceClass: 'phone', arch: 'arm' });
    expect(guessDeviceClass({ userAgent: 'Mozilla/5.0 (Linux; Android 13; SM-X710) Safari/537.36' }).deviceClass).toBe('tablet');
    expect(guessDeviceClass({ userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', platform: 'MacIntel', maxTouchPoints: 5 }))
      .toMatchObject({ deviceClass: 'tablet', arch: 'apple-silicon' });
  });

  it('says apple-silicon vs x86 only when a clue tells', () => {
    const mac = { userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', platform: 'MacIntel', hardwareConcurrency: 8, maxTouchPoints: 0 };
    expect(guessDeviceClass(mac)).toMatchObject({ deviceClass: 'laptop', arch: 'unknown' });
    expect(guessDeviceClass({ ...mac, gpuRenderer: 'Apple M2' }).arch).toBe('apple-silicon');
    expect(guessDeviceClass({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', platform: 'Win32', hardwareConcurrency: 8 }))
      .toMatchObject({ deviceClass: 'laptop', arch: 'x86' });
    expect(guessDeviceClass({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', hardwareConcurrency: 32, maxTouchPoints: 0 }))
      .toMatchObject({ deviceClass: 'desktop', arch: 'x86' });
    expect(guessDeviceClass({}).basis).toMatch(/laptop assumed/);
  });
});
