/**
 * Which peers share a machine, as the signaling server sees it (signaling/hosts.ts; issue 11,
 * "Shared hosts"). Real server, real WebSockets for the endpoint; the tagger is pure.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../signaling/server';
import { HOSTS_MAX_PEERS, SERVER_HOST_TAG, createHostTagger, isPrivateAddress, normaliseAddress, parsePeerList } from '../../../signaling/hosts';

describe('host tags', () => {
  const own = new Set(['127.0.0.1', '::1', '192.168.1.20']);
  const tag = createHostTagger(own, new Uint8Array(32).fill(7));

  it('tags this machine as the server, whatever address it comes from', () => {
    for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '127.0.0.2', '::1', '192.168.1.20', '::ffff:192.168.1.20']) expect(tag(a), a).toBe(SERVER_HOST_TAG);
  });

  it('gives a private address a tag of its own, the same each time, that does not show the address', () => {
    const a = tag('192.168.1.31')!;
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(tag('::ffff:192.168.1.31')).toBe(a);
    expect(tag('192.168.1.32')).not.toBe(a);
    expect(tag('10.0.0.5')).toMatch(/^[0-9a-f]{16}$/);
    expect(tag('fe80::1%eth0')).toMatch(/^[0-9a-f]{16}$/);
    // Another start (another secret) gives other tags: they say "same address", nothing more.
    expect(createHostTagger(own, new Uint8Array(32).fill(8))('192.168.1.31')).not.toBe(a);
  });

  it('gives a public address no tag (many devices share one behind a NAT), nor an unreadable one', () => {
    for (const a of ['8.8.8.8', '172.32.0.1', '100.64.0.1', '2001:db8::1', 'not-an-address', '', undefined]) expect(tag(a), String(a)).toBeUndefined();
  });

  it('knows the private ranges', () => {
    expect(['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.1.1', 'fd12:3456::1', 'fe80::1'].every(isPrivateAddress)).toBe(true);
    expect(['11.0.0.1', '172.15.0.1', '192.169.0.1', '2001:db8::1'].some(isPrivateAddress)).toBe(false);
    expect(normaliseAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });

  it('reads a peer list, refusing what is not one', () => {
    expect(parsePeerList('a,b-c,a')).toEqual({ ok: true, ids: ['a', 'b-c'] });
    expect(parsePeerList(undefined)).toEqual({ ok: false, reason: 'peers must be a comma-separated list of peer ids' });
    expect(parsePeerList(['a', 'b'])).toMatchObject({ ok: false });
    expect(parsePeerList('a,,b')).toEqual({ ok: false, reason: 'peer id "" is not a PeerJS id of at most 64 characters' });
    expect(parsePeerList('a/../b')).toMatchObject({ ok: false, reason: expect.stringContaining('"a/../b"') });
    expect(parsePeerList('x'.repeat(65))).toMatchObject({ ok: false });
    expect(parsePeerList(Array.from({ length: HOSTS_MAX_PEERS + 1 }, (_, i) => `p${i}`).join(','))).toEqual({ ok: false, reason: `at most ${HOSTS_MAX_PEERS} peer ids per request, got ${HOSTS_MAX_PEERS + 1}` });
  });
});

describe('GET /api/hosts', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ce-hosts-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    server = await startServer({ staticDir: dir, port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server.stop());

  /** A PeerJS signaling socket registered as `id` (resolves on the server's OPEN). */
  function register(id: string): Promise<WebSocket> {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/peerjs/peerjs?key=${encodeURIComponent(server.peerKey)}&id=${id}&token=tok-${id}`);
    return new Promise((resolve, reject) => {
      socket.once('message', (data) => (JSON.parse(String(data)).type === 'OPEN' ? resolve(socket) : reject(new Error(String(data)))));
      socket.once('error', reject);
    });
  }
  const hosts = async (query: string) => {
    const res = await fetch(`${server.localUrl}/api/hosts?${query}`);
    return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
  };

  it('tags peers connected from this machine as the server; unknown and departed peers get none', async () => {
    const a = await register('node-a');
    const b = await register('node-b');
    expect(await hosts('peers=node-a,node-b,nobody')).toEqual({ status: 200, body: { hosts: { 'node-a': SERVER_HOST_TAG, 'node-b': SERVER_HOST_TAG } } });
    await new Promise<void>((resolve) => {
      b.once('close', () => resolve());
      b.close();
    });
    // The server forgets a peer once PeerJS does.
    for (let i = 0; i < 50 && 'node-b' in (await hosts('peers=node-b')).body.hosts; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await hosts('peers=node-a,node-b')).toEqual({ status: 200, body: { hosts: { 'node-a': SERVER_HOST_TAG } } });
    a.close();
  });

  it('refuses a request that names no valid list of peers, saying why', async () => {
    expect(await hosts('')).toEqual({ status: 400, body: 'peers must be a comma-separated list of peer ids' });
    expect(await hosts(`peers=${Array.from({ length: 65 }, (_, i) => `p${i}`).join(',')}`)).toEqual({ status: 400, body: 'at most 64 peer ids per request, got 65' });
    expect(await hosts('peers=a&peers=b')).toEqual({ status: 400, body: 'peers must be a comma-separated list of peer ids' });
  });
});
