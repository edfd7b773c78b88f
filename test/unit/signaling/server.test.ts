import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../signaling/server';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ce-dist-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ staticDir: dir, port: 0, host: '127.0.0.1' });
});
afterAll(() => server.stop());

describe('signaling server', () => {
  it('serves the app with cross-origin isolation headers', async () => {
    const res = await fetch(`${server.localUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await fetch(`${server.localUrl}/missing.js`)).status).toBe(404);
  });

  it('tells pages its URLs and the PeerJS path, and runs the PeerJS server there', async () => {
    const config = (await (await fetch(`${server.localUrl}/api/config`)).json()) as { peerPath: string; localUrl: string };
    expect(config.peerPath).toBe('/peerjs');
    expect(config.localUrl).toBe(server.localUrl);
    const res = await fetch(`${server.localUrl}/peerjs/peerjs/id`);
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(8);
  });

  it('refuses a port in use and a missing build with clear messages', async () => {
    await expect(startServer({ staticDir: dir, port: server.port, host: '127.0.0.1' })).rejects.toThrow(`port ${server.port} on 127.0.0.1 is already in use`);
    await expect(startServer({ staticDir: path.join(dir, 'nope'), port: 0, host: '127.0.0.1' })).rejects.toThrow(/no built app/);
  });

  it('serves HTTPS with a self-signed certificate created on first run', async () => {
    const certDir = path.join(dir, 'cert');
    const secure = await startServer({ staticDir: dir, port: 0, host: '127.0.0.1', https: true, certDir });
    try {
      expect(secure.localUrl).toMatch(/^https:\/\//);
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(path.join(certDir, 'cert.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    } finally {
      await secure.stop();
    }
  });
});
