import type { CpuTimes } from '../cost/host-transfer-cpu';
import { isHostTag } from '../swarm/coordinator';
import { TrustError, fingerprint, generateKeyPair, parseKeyPair, serializeKeyPair, type KeyPair } from '../trust/identity';

/** What the server tells pages about itself (signaling/server.ts, GET /api/config). */
export interface AppConfig {
  readonly localUrl: string;
  /** Base URLs on the machine's LAN addresses. */
  readonly lanUrls: readonly string[];
  /** PeerJS mount path. */
  readonly peerPath: string;
  /** PeerJS key the server requires (signaling/server.ts); absent from older servers. */
  readonly peerKey?: string;
  readonly https: boolean;
}

/** Fetch the config, or fall back to this page's own origin (e.g. under `vite` dev). */
export async function loadAppConfig(): Promise<AppConfig> {
  try {
    const response = await fetch('/api/config');
    if (response.ok) return (await response.json()) as AppConfig;
  } catch {
    // No server config (static hosting): use the page's own origin below.
  }
  return { localUrl: location.origin, lanUrls: [], peerPath: '/peerjs', https: location.protocol === 'https:' };
}

/**
 * The server's answer to which peers share a machine (GET /api/hosts, signaling/hosts.ts), for the
 * Coordinator's `hostsOf`: only tags of the peers asked about, strings of at most 64 characters.
 *
 * @throws Error when the server answers with an error or something that is not `{ hosts: {...} }`
 */
export async function fetchHosts(peerIds: readonly string[]): Promise<Record<string, string>> {
  const response = await fetch(`/api/hosts?peers=${encodeURIComponent(peerIds.join(','))}`);
  if (!response.ok) throw new Error(`GET /api/hosts answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return hostsFromAnswer(await response.json(), peerIds);
}

/** The tags of `asked` in a /api/hosts answer (see {@link fetchHosts}). */
export function hostsFromAnswer(body: unknown, asked: readonly string[]): Record<string, string> {
  const hosts = typeof body === 'object' && body !== null ? (body as { hosts?: unknown }).hosts : undefined;
  if (typeof hosts !== 'object' || hosts === null || Array.isArray(hosts)) throw new Error('GET /api/hosts answered no { hosts } object');
  const out: Record<string, string> = {};
  for (const id of asked) {
    const tag = Object.hasOwn(hosts, id) ? (hosts as Record<string, unknown>)[id] : undefined;
    if (isHostTag(tag)) out[id] = tag;
  }
  return out;
}

/**
 * The server machine's CPU time (GET /api/machine-cpu, signaling/server.ts), for the link prober's
 * `machineCpu`: answered only to a page on that machine.
 *
 * @throws Error when the server refuses (another machine, no server) or answers something else
 */
export async function fetchMachineCpu(): Promise<CpuTimes> {
  const response = await fetch('/api/machine-cpu', { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /api/machine-cpu answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return cpuTimesFromAnswer(await response.json());
}

/** A /api/machine-cpu answer checked: finite ms >= 0, busy <= total, 1-4096 cores. */
export function cpuTimesFromAnswer(body: unknown): CpuTimes {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { busyMs, totalMs, cores } = b;
  const ms = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (!ms(busyMs) || !ms(totalMs) || busyMs > totalMs) throw new Error('GET /api/machine-cpu answered no busyMs <= totalMs (finite ms >= 0)');
  if (typeof cores !== 'number' || !Number.isInteger(cores) || cores < 1 || cores > 4096) throw new Error('GET /api/machine-cpu answered no core count in 1..4096');
  return { busyMs, totalMs, cores };
}

/** PeerJS connection settings for this page's origin. */
export function signalingFor(config: AppConfig) {
  const secure = location.protocol === 'https:';
  return {
    host: location.hostname,
    port: Number(location.port) || (secure ? 443 : 80),
    path: config.peerPath,
    ...(config.peerKey ? { key: config.peerKey } : {}),
    secure,
    iceServers: [] as RTCIceServer[],
  };
}

/** Where a coordinator tab keeps the signing key of its room (sessionStorage: per tab, kept across reloads). */
export const coordinatorKeyStorageName = (room: string) => `carbonedge-key-${room}`;

/**
 * The coordinator's signing key for `room`, kept with the room in this tab's sessionStorage so a
 * reload keeps the identity (and the join URL's `fp` stays valid): read it, or make and store one.
 * A stored value that does not parse is replaced (nodes of the old key then need the new join URL).
 */
export function coordinatorKeyFor(room: string): KeyPair {
  const name = coordinatorKeyStorageName(room);
  const stored = sessionStorage.getItem(name);
  if (stored) {
    try {
      return parseKeyPair(stored);
    } catch (error) {
      if (!(error instanceof TrustError)) throw error;
    }
  }
  const key = generateKeyPair();
  sessionStorage.setItem(name, serializeKeyPair(key));
  return key;
}

/**
 * The coordinator fingerprint a node of `room` started on this page must check: the page URL's
 * `fp` (a node page opened from the join URL), else, for the simulated nodes of a coordinator tab,
 * the fingerprint of the key this very tab keeps for the room. Undefined when neither exists (the
 * node then refuses to join, saying why).
 */
export function joinFingerprintFor(room: string): string | undefined {
  const fromUrl = new URL(location.href).searchParams.get('fp');
  if (fromUrl) return fromUrl;
  const stored = sessionStorage.getItem(coordinatorKeyStorageName(room));
  if (!stored) return undefined;
  try {
    return fingerprint(parseKeyPair(stored).publicKey);
  } catch {
    return undefined; // an unreadable key names no coordinator
  }
}
