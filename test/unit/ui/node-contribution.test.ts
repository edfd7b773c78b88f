import { describe, expect, it } from 'vitest';
import { contextSummary, cpuShareText, doingNow, roomComparison, sliceExplanation, spentLine } from '../../../src/ui/node-contribution';

const slice = { index: 1, count: 3, range: [40, 100] as const, modelNodeCount: 150 };
const room = [
  { name: 'me', self: true, workShare: 0.25, gramsCo2PerKwh: 300, gramsCo2: 0.001 },
  { name: 'A', self: false, workShare: 0.5, gramsCo2PerKwh: 500, gramsCo2: 0.003 },
  { name: 'B', self: false, workShare: 0.25, gramsCo2PerKwh: 50, gramsCo2: 0.0001 },
];

describe('node contribution', () => {
  it('says what the device is doing now', () => {
    expect(doingNow({ model: 'mobilenetv2', slices: [slice] })).toBe('Running slice 2 of 3 of mobilenetv2.');
    expect(doingNow({ model: 'tinycnn', slices: [{ ...slice, index: 0, count: 1 }] })).toBe('Running the whole of tinycnn.');
    expect(doingNow({ model: null, slices: [] })).toMatch(/^Waiting for work/);
  });

  it('explains a slice in two lines with its share of the layers', () => {
    const [first, second] = sliceExplanation({ slices: [slice] });
    expect(first).toContain('holds 40% of its layers (graph steps 40 to 99)');
    expect(second).toMatch(/next device/);
    expect(sliceExplanation({ slices: [] })[0]).not.toContain('holds');
  });

  it('compares the device with the room', () => {
    expect(roomComparison({ room })).toEqual([
      "It did 25% of the room's work: 2nd of 3 devices.",
      "Its electricity is cleaner than 1 of the 2 other devices'.",
      "It emitted 24% of the room's CO2 (1 mgCO2).",
    ]);
    expect(roomComparison({ room: [room[0]!] })).toEqual(['This device is alone in the room for now.']);
    expect(roomComparison({ room: [{ ...room[0]!, gramsCo2PerKwh: 10 }, room[1]!] })[1]).toBe('Its electricity is the cleanest in the room.');
    expect(spentLine({ slicesRun: 42, energyJoules: 12.4, gramsCo2: 1.37e-3 })).toBe('42 slice runs \u00b7 12.4 J \u00b7 1.37 mgCO2');
  });
});

describe('context summary (the node page\'s "what this context allows" line)', () => {
  const https = { isSecureContext: true, crossOriginIsolated: true, threads: 2, protocol: 'https:' };
  it('names the threads, and WebGPU by the self-benchmark\'s verdict: a browser with the API but no adapter does not read "available"', () => {
    expect(contextSummary({ ...https, webgpu: true })).toBe('2 WASM thread(s), WebGPU available.');
    expect(contextSummary({ ...https, webgpu: 'no WebGPU adapter on this device' })).toBe('2 WASM thread(s), no WebGPU (no WebGPU adapter on this device).');
    expect(contextSummary({ ...https, threads: 1, webgpu: 'the WebGPU benchmark did not finish within 240 s' })).toBe('1 WASM thread(s), no WebGPU (the WebGPU benchmark did not finish within 240 s).');
  });
  it('on plain http on a LAN address: one thread, no WebGPU, and what --https would add', () => {
    expect(contextSummary({ isSecureContext: false, crossOriginIsolated: false, threads: 1, protocol: 'http:', webgpu: 'this browser has no WebGPU' })).toBe(
      '1 WASM thread (the page is not cross-origin isolated), no WebGPU (needs a secure context). Plain http on a LAN address: the coordinator can start with --https to give this device threads and WebGPU.',
    );
  });
});

describe('cpu share text (the benchmark card)', () => {
  it('one thread: the share of a core; more: the least share every thread got at once', () => {
    expect(cpuShareText(0.976)).toBe('the worker had 98% of a core');
    expect(cpuShareText(1, 1)).toBe('the worker had 100% of a core');
    expect(cpuShareText(0.89, 2)).toBe("each of the worker's 2 threads had at least 89% of a core");
  });
});
