import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/mesh/memory-transport';
import { Coordinator } from '../../../src/swarm/coordinator';
import { coordinatorPeerId, newJoinToken, newRoomId } from '../../../src/protocol/ids';
import { encodeTenantMessage, parseCoordinatorTenantMessage } from '../../../src/protocol/tenant-messages';
import { fingerprint, generateKeyPair, newNonce } from '../../../src/trust/identity';
import { TenantDesk } from '../../../src/swarm/tenant-desk';
import { TenantClient, TenantInputError } from '../../../src/swarm/tenant-client';
import { TenantRunner, type TenantSwarm } from '../../../src/swarm/tenant-runner';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const SECRET_A = 'aaaaaaaaaaaaaaaaaaaaaa';
const SECRET_B = 'bbbbbbbbbbbbbbbbbbbbbb';

async function until(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function setup() {
  const network = new MemoryNetwork();
  const room = newRoomId();
  const key = generateKeyPair();
  const coordinator = new Coordinator({ transport: network.open(coordinatorPeerId(room)), room, token: newJoinToken(), key });
  coordinator.start();
  cleanups.push(() => coordinator.stop());
  const swarm: TenantSwarm = {
    predictGramsPerInference: async () => 1,
    runGrant: async (_model, inferences) => ({ completed: inferences, measuredGramsCo2: inferences * 0.9 }),
    busy: () => false,
  };
  const runner = new TenantRunner([
    { tenantId: 'groupaaa', name: 'Group A', budgetGramsCo2: 100 },
    { tenantId: 'groupbbb', name: 'Group B', budgetGramsCo2: 2 },
  ], { swarm, models: ['tinycnn', 'mobilenetv2'] });
  const secrets = new Map([['groupaaa', SECRET_A], ['groupbbb', SECRET_B]]);
  const desk = new TenantDesk({ room, key, runner, secretOf: (id) => secrets.get(id), authTimeoutMs: 300 });
  cleanups.push(coordinator.routeTenants((link, first) => desk.accept(link, first)));
  cleanups.push(() => desk.stop());
  const client = (tenantId: string, secret: string, fp = coordinator.fingerprint) => {
    const c = new TenantClient({ transport: network.open(), room, tenantId, secret, coordinatorFingerprint: fp });
    cleanups.push(() => c.stop());
    return c;
  };
  return { network, room, coordinator, runner, desk, client };
}

describe('tenant desk and tenant page over the mesh', () => {
  it('admits a tenant with its secret; its run completes and it sees only its own runs and budget', async () => {
    const { client, coordinator } = setup();
    const a = client('groupaaa', SECRET_A);
    const b = client('groupbbb', SECRET_B);
    await a.start();
    await b.start();
    await until(() => a.state === 'admitted' && b.state === 'admitted', 'admission');
    expect(a.name).toBe('Group A');
    expect(a.models).toEqual(['tinycnn', 'mobilenetv2']);
    a.submit('tinycnn', 6);
    b.submit('tinycnn', 6);
    await until(() => a.status?.runs[0]?.state === 'done' && b.status?.runs[0]?.state === 'refused', 'both outcomes');
    expect(a.status!.runs.map((r) => r.runId)).toEqual(['groupaaa-1']);
    expect(a.status!.tenant).toMatchObject({ tenantId: 'groupaaa', spentGramsCo2: expect.closeTo(5.4, 12), budgetGramsCo2: 100 });
    expect(b.status!.runs).toEqual([{ runId: 'groupbbb-1', model: 'tinycnn', state: 'refused', inferences: 6, completed: 0, measuredGramsCo2: 0, predictedGramsPerInference: 1,
      message: "refused: Group B's run needs about 6.00 gCO2 (6 x 1.00 g), 2.00 g of the 2.00 g budget are left" }]);
    // Tenant links are not nodes.
    expect(coordinator.nodes()).toEqual([]);
  });

  it('refuses a wrong secret and an unknown tenant, closing the link with the reason', async () => {
    const { client, desk } = setup();
    const wrong = client('groupaaa', SECRET_B);
    await wrong.start();
    await until(() => wrong.state === 'rejected', 'rejection');
    expect(wrong.error).toBe('wrong tenant secret: open the tenant link the coordinator gave you');
    await until(() => desk.connected().size === 0 && desk.rejectedLinks === 1, 'the link closed');
    const unknown = client('nobody00', SECRET_A);
    await unknown.start();
    await until(() => unknown.state === 'rejected', 'rejection');
    expect(unknown.error).toBe('unknown tenant: open the tenant link the coordinator gave you');
  });

  it('a tenant page never sends its secret to a coordinator without the link\'s fingerprint', async () => {
    const { client, desk } = setup();
    const fooled = client('groupaaa', SECRET_A, fingerprint(generateKeyPair().publicKey));
    await fooled.start();
    await until(() => fooled.state === 'rejected', 'refusal of the coordinator');
    expect(fooled.error).toMatch(/^this is not the coordinator of the tenant link: coordinator key .* does not match the tenant link's fingerprint$/);
    // The page closed the link without sending its secret: the desk admitted nobody, refused nobody.
    await new Promise((r) => setTimeout(r, 400));
    expect([desk.connected().size, desk.rejectedLinks]).toEqual([0, 0]);
  });

  it('submits only as the tenant the secret proved, and answers bad submissions with an error', async () => {
    const { network, room, coordinator, runner } = setup();
    // A hand-made tenant page that claims another tenant in its submission.
    const link = await network.open().connect(coordinatorPeerId(room));
    const got: string[] = [];
    link.onMessage((p) => got.push(p as string));
    link.send(encodeTenantMessage({ kind: 'tenant-hello', protocolVersion: 1, tenantId: 'groupbbb', nonce: newNonce() }));
    await until(() => got.length >= 1, 'challenge');
    link.send(encodeTenantMessage({ kind: 'tenant-auth', secret: SECRET_B }));
    await until(() => got.some((g) => g.includes('tenant-status')), 'status');
    link.send(JSON.stringify({ kind: 'tenant-submit', tenantId: 'groupaaa', model: 'tinycnn', inferences: 1 }));
    link.send(JSON.stringify({ kind: 'tenant-submit', model: 'tinycnn', inferences: 20_000 }));
    await until(() => runner.runs().length === 1 && got.some((g) => g.includes('tenant-error')), 'the submission and the error');
    expect(runner.runs()[0]).toMatchObject({ runId: 'groupbbb-1', tenantId: 'groupbbb' });
    const error = got.map((g) => parseCoordinatorTenantMessage(g)).find((m) => m.kind === 'tenant-error');
    expect(error).toEqual({ kind: 'tenant-error', message: 'message refused: tenant-submit.inferences 20000 is outside 1..10000 (integer)' });
    expect(coordinator.fingerprint).toBeTruthy();
  });

  it('checks submissions on the page before sending them', async () => {
    const { client } = setup();
    const a = client('groupaaa', SECRET_A);
    expect(() => a.submit('tinycnn', 1)).toThrow(TenantInputError);
    await a.start();
    await until(() => a.state === 'admitted', 'admission');
    expect(() => a.submit('gpt', 1)).toThrow('pick a model the coordinator offers: tinycnn, mobilenetv2');
    expect(() => a.submit('tinycnn', 1.5)).toThrow('inferences must be a whole number from 1 to 10000, got 1.5');
  });
  it('bounds the pages one tenant may keep open', async () => {
    const { client, desk } = setup();
    const pages: TenantClient[] = [];
    for (let i = 0; i < 4; i++) {
      const page = client('groupaaa', SECRET_A);
      await page.start();
      pages.push(page);
    }
    await until(() => pages.every((p) => p.state === 'admitted'), 'four pages admitted');
    const fifth = client('groupaaa', SECRET_A);
    await fifth.start();
    await until(() => fifth.state === 'rejected', 'the fifth refused');
    expect(fifth.error).toBe('4 pages of this tenant are open already (at most 4): close one and reload');
    expect(desk.connected().get('groupaaa')).toBe(4);
    pages[0]!.stop();
    await until(() => desk.connected().get('groupaaa') === 3, 'a page closed');
  });
});
