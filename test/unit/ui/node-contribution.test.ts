import { describe, expect, it } from 'vitest';
import { doingNow, roomComparison, sliceExplanation, spentLine } from '../../../src/ui/node-contribution';

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
