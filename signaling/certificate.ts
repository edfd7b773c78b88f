/**
 * A self-signed certificate for `carbonedge start --https`, created on first run and reused, so
 * phones on the LAN get a secure context (needed for crossOriginIsolated, threads and WebGPU).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

/** PEM key and certificate. */
export interface Certificate {
  readonly key: string;
  readonly cert: string;
}

/** Read the certificate in `dir`, or create one valid for localhost and the given IPs. */
export async function loadOrCreateCertificate(dir: string, ips: readonly string[]): Promise<Certificate> {
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  try {
    return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const altNames = [
    { type: 2 as const, value: 'localhost' },
    { type: 7 as const, ip: '127.0.0.1' },
    ...ips.map((ip) => ({ type: 7 as const, ip })),
  ];
  const pems = await generate([{ name: 'commonName', value: 'carbonedge.local' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames }],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert);
  return { key: pems.private, cert: pems.cert };
}
