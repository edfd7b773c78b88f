/**
 * Regression tests for issue 13, finding 8: the signaling server ran on PeerJS defaults (default
 * key, 5,000 registrations from anyone, any message size). Real server, real WebSockets.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CONTENT_SECURITY_POLICY, startServer, type RunningServer, type ServerOptions } from '../../../signaling/server';

let dir: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ce-guard-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ staticDir: dir, port: 0, host: '127.0.0.1', ...extra });
  servers.push(server);
  return server;
}

type Outcome = { kind: 'open'; socket: WebSocket; first: string } | { kind: 'refused'; status: number };

/** Open a PeerJS signaling socket and wait for the server's first message (OPEN) or a refusal. */
function connect(server: RunningServer, id: string, key = server.peerKey): Promise<Outcome> {
  const url = `ws://127.0.0.1:${server.port}/peerjs/peerjs?key=${encodeURIComponent(key)}&id=${id}&token=tok${id}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_req, res) => resolve({ kind: 'refused', status: res.statusCode ?? 0 }));
    socket.once('message', (data) => resolve({ kind: 'open', socket, first: String(data) }));
    socket.once('error', (error) => reject(error));
  });
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) resolve(-1);
    socket.once('close', (code) => resolve(code));
  });
}

describe('signaling guard (issue 13, finding 8)', () => {
  it('sends CSP, nosniff and no-referrer beside COOP/COEP on every response', async () => {
    const server = await serve();
    for (const url of ['/', '/api/config', '/missing.js', '/peerjs/peerjs/id']) {
      const res = await fetch(`${server.localUrl}${url}`);
      expect(res.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), url).toBe('no-referrer');
      expect(res.headers.get('cross-origin-embedder-policy'), url).toBe('require-corp');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('uses a non-default key, told to pages by /api/config, and refuses the default one', async () => {
    const server = await serve();
    const config = (await (await fetch(`${server.localUrl}/api/config`)).json()) as { peerKey: string };
    expect(config.peerKey).toBe(server.peerKey);
    expect(server.peerKey).not.toBe('peerjs');
    expect(server.peerKey.length).toBeGreaterThanOrEqual(16);
    expect(await connect(server, 'a', 'peerjs')).toEqual({ kind: 'refused', status: 401 });
    const ok = await connect(server, 'b');
    expect(ok.kind === 'open' && JSON.parse(ok.first)).toEqual({ type: 'OPEN' });
    expect(server.signalingStats()).toMatchObject({ connections: 1, refused: { 'bad-key': 1 } });
    if (ok.kind === 'open') ok.socket.close();
  });

  it('caps sockets per address, so one address cannot fill the server', async () => {
    const server = await serve({ limits: { maxConnectionsPerAddress: 3, maxConnections: 100 } });
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await connect(server, `p${i}`));
    expect(outcomes.map((o) => (o.kind === 'open' ? 'open' : o.status))).toEqual(['open', 'open', 'open', 429, 429, 429]);
    expect(server.signalingStats()).toMatchObject({ connections: 3, refused: { 'address-full': 3 } });
    const first = outcomes[0]!;
    if (first.kind !== 'open') throw new Error('expected open');
    first.socket.close();
    await closed(first.socket);
    await expect.poll(() => server.signalingStats().connections).toBe(2);
    expect((await connect(server, 'again')).kind).toBe('open'); // room again once one left
    for (const o of outcomes) if (o.kind === 'open') o.socket.close();
  });

  it('caps sockets overall', async () => {
    const server = await serve({ limits: { maxConnections: 2 } });
    const outcomes = [await connect(server, 'x1'), await connect(server, 'x2'), await connect(server, 'x3')];
    expect(outcomes.map((o) => (o.kind === 'open' ? 'open' : o.status))).toEqual(['open', 'open', 503]);
    for (const o of outcomes) if (o.kind === 'open') o.socket.close();
  });

  it('rate-limits new sockets per address', async () => {
    const server = await serve({ limits: { connectBurst: 4, connectsPerSecond: 0.001 } });
    const outcomes = [];
    for (let i = 0; i < 6; i++) {
      const o = await connect(server, `r${i}`);
      outcomes.push(o.kind === 'open' ? 'open' : o.status);
      if (o.kind === 'open') o.socket.close();
    }
    expect(outcomes).toEqual(['open', 'open', 'open', 'open', 429, 429]);
    expect(server.signalingStats().refused['connect-rate']).toBe(2);
  });

  it('closes a socket that sends a message over the size limit instead of relaying it', async () => {
    const server = await serve({ limits: { maxMessageBytes: 16 * 1024 } });
    const o = await connect(server, 'big');
    if (o.kind !== 'open') throw new Error('expected open');
    o.socket.send(JSON.stringify({ type: 'OFFER', dst: 'other', payload: 'x'.repeat(50 * 1024 * 1024) }));
    expect(await closed(o.socket)).toBe(1009);
    await expect.poll(() => server.signalingStats().refused['message-too-big']).toBe(1);
  });

  it('closes a socket that floods messages', async () => {
    const server = await serve({ limits: { messageBurst: 20, messagesPerSecond: 1 } });
    const o = await connect(server, 'flood');
    if (o.kind !== 'open') throw new Error('expected open');
    for (let i = 0; i < 100; i++) o.socket.send(JSON.stringify({ type: 'HEARTBEAT' }));
    expect(await closed(o.socket)).not.toBe(1000);
    expect(server.signalingStats().refused['message-rate']).toBeGreaterThanOrEqual(1);
  });

  it('rate-limits plain HTTP per address with 429', async () => {
    const server = await serve({ limits: { httpBurst: 5, httpPerSecond: 0.001 } });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${server.localUrl}/api/config`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });
});
