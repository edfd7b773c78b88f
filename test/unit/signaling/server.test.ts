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

/** The signature algorithm named in a DER certificate, by its OID (1.2.840.113549.1.1.x). */
function signatureAlgorithm(der: Buffer): string {
  const oid = (last: number) => Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, last]);
  if (der.includes(oid(0x0b))) return 'sha256WithRSAEncryption';
  if (der.includes(oid(0x05))) return 'sha1WithRSAEncryption';
  return 'other';
}

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

  it("tells a page on its machine the machine's CPU time, which grows with work done", async () => {
    const read = async () => {
      const res = await fetch(`${server.localUrl}/api/machine-cpu`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      return (await res.json()) as { busyMs: number; totalMs: number; cores: number };
    };
    const before = await read();
    expect(before.cores).toBe(os.cpus().length);
    expect(before.busyMs).toBeGreaterThan(0);
    expect(before.totalMs).toBeGreaterThanOrEqual(before.busyMs);
    // Keep this process busy for 300 ms: the machine's busy time grows by about that (ticks of 10 ms).
    const t0 = Date.now();
    while (Date.now() - t0 < 300);
    const after = await read();
    expect(after.busyMs - before.busyMs).toBeGreaterThanOrEqual(200);
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
      const pem = await readFile(path.join(certDir, 'cert.pem'), 'utf8');
      expect(pem).toMatch(/BEGIN CERTIFICATE/);
      const x509 = new (await import('node:crypto')).X509Certificate(pem);
      // SHA-256 signed (Chrome refuses SHA-1 on some platforms), with localhost and every LAN address.
      expect(signatureAlgorithm(x509.raw)).toBe('sha256WithRSAEncryption');
      expect(x509.subjectAltName).toContain('DNS:localhost');
      expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(secure.certificate?.origin).toBe('none yet');
    } finally {
      await secure.stop();
    }
  });

  it('reuses the certificate while it fits and makes a new one when the addresses change', async () => {
    const { loadOrCreateCertificate } = await import('../../../signaling/certificate');
    const { X509Certificate } = await import('node:crypto');
    const certDir = path.join(dir, 'cert-renew');
    const first = await loadOrCreateCertificate(certDir, ['10.1.2.3']);
    expect(first.origin).toBe('none yet');
    const x509 = new X509Certificate(first.cert);
    expect(x509.subjectAltName).toContain('IP Address:10.1.2.3');
    expect(signatureAlgorithm(x509.raw)).toBe('sha256WithRSAEncryption');
    const again = await loadOrCreateCertificate(certDir, ['10.1.2.3']);
    expect(again.origin).toBe('reused');
    expect(again.cert).toBe(first.cert);
    const moved = await loadOrCreateCertificate(certDir, ['192.168.7.9']);
    expect(moved.origin).toBe('addresses changed: 192.168.7.9 not covered');
    expect(new X509Certificate(moved.cert).subjectAltName).toContain('IP Address:192.168.7.9');
    const late = await loadOrCreateCertificate(certDir, ['192.168.7.9'], new Date(Date.now() + 340 * 24 * 3600 * 1000));
    expect(late.origin).toMatch(/^expires /);
  });
});
