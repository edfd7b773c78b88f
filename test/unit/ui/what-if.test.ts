import { describe, expect, it } from 'vitest';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import type { Coordinator, NodeRecord } from '../../../src/swarm/coordinator';
import { carbonOf, toPlanNode } from '../../../src/swarm/plan-inputs';
import { runNodeFrom } from '../../../src/history/record-builder';
import { applyWhatIf, configuredCoordinator, isWhatIf, spreadZones, whatIfForIntensity, whatIfForZone, WHAT_IF_ZONES } from '../../../src/ui/what-if';

const record = (nodeId: string, withProfile = true): NodeRecord => ({
  nodeId, name: `node-${nodeId}`, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: false,
  state: 'ready', load: 0, lastSeenMs: 0,
  ...(withProfile ? { profile: { intensity: bundledReading('WORLD'), power: carbonOf({ deviceClass: 'laptop', deviceMemoryGb: 8 } as NodeRecord).power, slowdown: 1 } } : {}),
} as unknown as NodeRecord);

describe('what-if zones', () => {
  it('replaces the intensity of the nodes it names, labelled configured, for planning and history', () => {
    const fr = whatIfForZone('FR');
    expect(fr).toEqual({ zone: 'FR', gramsCo2PerKwh: bundledReading('FR').gramsCo2PerKwh });
    const overrides = new Map([['a', fr]]);
    const a = applyWhatIf(record('a'), overrides);
    expect(carbonOf(a).intensity).toMatchObject({ gramsCo2PerKwh: fr.gramsCo2PerKwh, zone: 'FR', source: 'configured', isLive: false });
    expect(carbonOf(a).intensity.vintage).toMatch(/^what-if set on the coordinator .*WORLD/);
    expect(isWhatIf(carbonOf(a).intensity)).toBe(true);
    expect(carbonOf(a).power).toEqual(carbonOf(record('a')).power);
    expect(toPlanNode(a).gramsCo2PerKwh).toBe(fr.gramsCo2PerKwh);
    expect(runNodeFrom(a)).toMatchObject({ intensityZone: 'FR', intensityConfigured: true });
    const b = record('b');
    expect(applyWhatIf(b, overrides)).toBe(b);
    // A node with no profile yet gets the what-if over its labelled default.
    expect(carbonOf(applyWhatIf(record('a', false), overrides)).intensity.gramsCo2PerKwh).toBe(fr.gramsCo2PerKwh);
  });

  it('spreads nodes from the cleanest to the most intensive zone in one click', () => {
    const spread = spreadZones(['a', 'b', 'c']);
    expect([...spread.values()].map((w) => w.zone)).toEqual([WHAT_IF_ZONES[0], WHAT_IF_ZONES[3], WHAT_IF_ZONES[6]]);
    const grams = [...spread.values()].map((w) => w.gramsCo2PerKwh);
    expect(grams[0]).toBeLessThan(grams[1]!);
    expect(grams[1]).toBeLessThan(grams[2]!);
    expect([...spreadZones(['x']).values()][0]!.zone).toBe('SE');
  });

  it('refuses unknown zones and impossible intensities', () => {
    expect(() => whatIfForZone('XX')).toThrow(/XX/);
    expect(() => whatIfForIntensity(-1)).toThrow('a what-if intensity must be between 0 and 2000 gCO2/kWh, got -1');
    expect(whatIfForIntensity(120)).toEqual({ zone: 'what-if', gramsCo2PerKwh: 120 });
  });

  it('shows the overrides through the coordinator view, read at every call', () => {
    const records = [record('a'), record('b')];
    const fake = { nodes: () => records, peerId: 'c', send(this: unknown) { return this; } } as unknown as Coordinator;
    const overrides = new Map<string, ReturnType<typeof whatIfForZone>>();
    const view = configuredCoordinator(fake, () => overrides);
    expect(carbonOf(view.nodes()[0]!).intensity.zone).toBe('WORLD');
    overrides.set('a', whatIfForZone('PL'));
    expect(carbonOf(view.nodes()[0]!).intensity.zone).toBe('PL');
    expect((view as unknown as { peerId: string }).peerId).toBe('c');
    expect((view as unknown as { send(): unknown }).send()).toBe(fake);
  });
});
