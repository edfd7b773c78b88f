/**
 * Which peers share a machine, as the server sees it (issue 11, "Shared hosts": node pages that
 * share a processor must be known as a group, detected where possible). A page cannot tell that
 * another tab or browser on its machine is a node too; the server can: every page's signaling
 * WebSocket comes from an address the page does not choose. `GET /api/hosts?peers=a,b` answers a
 * tag per peer id that is connected now; peers with the same tag connect from the same address.
 *
 * What a tag says, and what it never says:
 * - `server`: the peer connects from this machine (loopback or one of its interfaces' addresses);
 * - a 16-hex tag (HMAC-SHA-256 of the address under a secret made per start): the peer connects
 *   from that private address (RFC 1918, link-local, unique-local IPv6). Equal tags, same address;
 *   the address itself is never told;
 * - no tag: a public address (many devices behind one NAT share it: no sign of one machine) or a
 *   peer that is not connected.
 * Devices behind a NAT inside the LAN share its address too; the coordinator therefore groups only
 * peers whose tag and whose reported cores and device class all agree (src/swarm/plan-inputs.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import os from 'node:os';

/** The tag of peers connected from the server's own machine. */
export const SERVER_HOST_TAG = 'server';
/** Most peer ids one /api/hosts request may name. */
export const HOSTS_MAX_PEERS = 64;
/** Longest peer id /api/hosts accepts (PeerJS ids here are UUIDs). */
export const HOSTS_MAX_ID_LENGTH = 64;

/** `::ffff:10.0.0.1` -> `10.0.0.1`; lower case; an IPv6 zone dropped. */
export function normaliseAddress(address: string): string {
  const lower = address.toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

/** True for loopback, private (RFC 1918), link-local and unique-local addresses. */
export function isPrivateAddress(address: string): boolean {
  const a = normaliseAddress(address);
  if (isIP(a) === 4) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return x === 10 || x === 127 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 169 && y === 254);
  }
  if (isIP(a) === 6) return a === '::1' || /^f[cd][0-9a-f]{2}:/.test(a) || /^fe[89ab][0-9a-f]:/.test(a);
  return false;
}

/** Every address of this machine's interfaces (internal ones included), normalised. */
export function ownAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(os.networkInterfaces())) for (const info of list ?? []) out.add(normaliseAddress(info.address));
  return out;
}

/**
 * A function from a remote address to its tag (see the file comment), or undefined for a public
 * or unreadable address. `own` (default: this machine's addresses, read once) and `secret`
 * (default: 32 random bytes) are parameters for tests.
 */
export function createHostTagger(own: ReadonlySet<string> = ownAddresses(), secret: Uint8Array = randomBytes(32)): (address: string | undefined) => string | undefined {
  return (address) => {
    if (!address) return undefined;
    const a = normaliseAddress(address);
    if (own.has(a) || a.startsWith('127.')) return SERVER_HOST_TAG;
    if (!isPrivateAddress(a)) return undefined;
    return createHmac('sha256', secret).update(a).digest('hex').slice(0, 16);
  };
}

/** What PeerJS accepts as an id (its client's own check). */
const PEER_ID = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;

/**
 * The peer ids of a `peers` query value: comma-separated, at most {@link HOSTS_MAX_PEERS}, each a
 * PeerJS id of at most {@link HOSTS_MAX_ID_LENGTH} characters. Returns the ids, or a reason.
 */
export function parsePeerList(value: unknown): { ok: true; ids: string[] } | { ok: false; reason: string } {
  if (typeof value !== 'string' || value === '') return { ok: false, reason: 'peers must be a comma-separated list of peer ids' };
  const ids = value.split(',');
  if (ids.length > HOSTS_MAX_PEERS) return { ok: false, reason: `at most ${HOSTS_MAX_PEERS} peer ids per request, got ${ids.length}` };
  const bad = ids.find((id) => !PEER_ID.test(id) || id.length > HOSTS_MAX_ID_LENGTH);
  if (bad !== undefined) return { ok: false, reason: `peer id ${JSON.stringify(bad.slice(0, HOSTS_MAX_ID_LENGTH + 1))} is not a PeerJS id of at most ${HOSTS_MAX_ID_LENGTH} characters` };
  return { ok: true, ids: [...new Set(ids)] };
}
