import { describe, expect, it } from 'vitest';
import { eventOpacity, intensityColour, layoutSwarm, SWARM_GEOMETRY, type SwarmNodeView } from '../../../src/ui/swarm-layout';
import { PLAN } from '../history/fixtures';
import type { Placement } from '../../../src/plan/plan-types';

const node = (nodeId: string, state: SwarmNodeView['state'] = 'ready', grams = 300): SwarmNodeView => ({
  nodeId, name: nodeId.replace('uuid-', 'Node-'), deviceClass: 'laptop', state, gramsCo2PerKwh: grams, intensityZone: 'WORLD', intensityConfigured: false, busyShare: 0.5,
});

describe('swarm layout', () => {
  it('puts the coordinator left, slice k of the plan in column k and unused nodes in a waiting column', () => {
    const layout = layoutSwarm([node('uuid-c'), node('uuid-b'), node('uuid-a')], PLAN, [{ fromId: 'uuid-a', toId: 'uuid-b', bytesPerSecond: 2e6 }]);
    const by = Object.fromEntries(layout.nodes.map((n) => [n.nodeId, n]));
    expect(layout.nodes).toHaveLength(3);
    expect(by['uuid-a']!.column).toBe(0);
    expect(by['uuid-b']!.column).toBe(1);
    expect(by['uuid-c']!.column).toBe(-1);
    expect(layout.coordinator.x).toBeLessThan(by['uuid-a']!.x);
    expect(by['uuid-a']!.x).toBeLessThan(by['uuid-b']!.x);
    expect(by['uuid-b']!.x).toBeLessThan(by['uuid-c']!.x);
    expect(by['uuid-a']!.slices).toEqual(['slice 1 [0,40)']);
    expect(by['uuid-b']!.slices).toEqual(['slice 2 [40,100)']);
    expect(layout.paths).toHaveLength(1);
    const points = layout.paths[0]!.points;
    expect(points.map((p) => p.x)).toEqual([layout.coordinator.x, by['uuid-a']!.x, by['uuid-b']!.x, by['uuid-b']!.x, layout.coordinator.x, layout.coordinator.x]);
    // the way back runs below every card
    const lowestCardBottom = Math.max(...layout.nodes.map((n) => n.y)) + SWARM_GEOMETRY.cardHeight / 2;
    expect(points[3]!.y).toBeGreaterThan(lowestCardBottom);
    expect(points[4]!.y).toBe(points[3]!.y);
    // hops run from card edge to card edge, so their labels sit in the gaps
    const ab = layout.hops.find((h) => h.fromId === 'uuid-a')!;
    expect(ab.x1).toBe(by['uuid-a']!.x + SWARM_GEOMETRY.cardWidth / 2);
    expect(ab.x2).toBe(by['uuid-b']!.x - SWARM_GEOMETRY.cardWidth / 2);
    expect(ab.x2 - ab.x1).toBe(SWARM_GEOMETRY.columnWidth - SWARM_GEOMETRY.cardWidth);
    // results come back along the return path below the cards, not across them
    const back = layout.hops.find((h) => h.toId === 'coordinator')!;
    expect([back.x1, back.y1, back.x2, back.y2]).toEqual([by['uuid-b']!.x, points[3]!.y, layout.coordinator.x, points[3]!.y]);
    // three hops, one with a measured stream
    expect(layout.hops.map((h) => [h.fromId, h.toId, h.bytesPerSecond])).toEqual([['coordinator', 'uuid-a', null], ['uuid-a', 'uuid-b', 2e6], ['uuid-b', 'coordinator', null]]);
  });

  it('leaves out nodes that are gone and the pipelines through them; is deterministic', () => {
    const nodes = [node('uuid-a'), node('uuid-b', 'gone')];
    const layout = layoutSwarm(nodes, PLAN);
    expect(layout.nodes.map((n) => n.nodeId)).toEqual(['uuid-a']);
    expect(layout.paths).toEqual([]);
    expect(layoutSwarm(nodes, PLAN)).toEqual(layout);
    expect(layoutSwarm([], null).nodes).toEqual([]);
  });

  it('draws replicated pipelines as separate paths and grows with the tallest column', () => {
    const two: Placement = { ...PLAN, pipelines: [{ ...PLAN.pipelines[0]!, share: 0.6 }, { ...PLAN.pipelines[0]!, share: 0.4, slices: PLAN.pipelines[0]!.slices.map((s, i) => ({ ...s, nodeId: i === 0 ? 'uuid-c' : 'uuid-d' })), hops: [] }] };
    const layout = layoutSwarm(['uuid-a', 'uuid-b', 'uuid-c', 'uuid-d', 'uuid-e', 'uuid-f'].map((id) => node(id)), two);
    expect(layout.paths.map((p) => [p.pipeline, p.share])).toEqual([[0, 0.6], [1, 0.4]]);
    expect(layout.nodes.find((n) => n.nodeId === 'uuid-c')!.slices).toEqual(['p2 slice 1 [0,40)']);
    const columns = layout.nodes.map((n) => n.column);
    expect(columns.filter((c) => c === 0)).toHaveLength(2);
    expect(columns.filter((c) => c === -1)).toHaveLength(2);
    expect(layout.height).toBeGreaterThanOrEqual(SWARM_GEOMETRY.top + 2 * SWARM_GEOMETRY.rowHeight);
    // nodes of a column never overlap
    const col0 = layout.nodes.filter((n) => n.column === 0).map((n) => n.y);
    expect(Math.abs(col0[0]! - col0[1]!)).toBe(SWARM_GEOMETRY.rowHeight);
  });

  it('colours intensity green to amber to red, and fades events', () => {
    expect(intensityColour(50)).toBe('#2e7d32');
    expect(intensityColour(400)).toBe('#f9a825');
    expect(intensityColour(900)).toBe('#c62828');
    expect(intensityColour(NaN)).toBe('#9e9e9e');
    expect(eventOpacity(0)).toBe(1);
    expect(eventOpacity(10_000)).toBeCloseTo(0.575, 9);
    expect(eventOpacity(60_000)).toBe(0.15);
  });
});
