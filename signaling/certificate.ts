/**
 * A self-signed certificate for `carbonedge start --https`, so phones on the LAN get a secure context
 * (needed for crossOriginIsolated, threads and WebGPU). Kept in `.cache/cert/` (key.pem, cert.pem,
 * meta.json) and reused while it still fits: it is made again, SHA-256 signed, when the machine's
 * LAN addresses are no longer all in it (school Wi-Fi, DHCP), when it expires within 30 days, or
 * when it was made by an older version of this code. Delete the folder to renew it by hand.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

/** PEM key and certificate, and why it was (re)made or reused. */
export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** `reused`, or why a new one was made (`none yet`, `addresses changed: ...`, ...). */
  readonly origin: string;
  /** Where it lives. */
  readonly dir: string;
}

/** What we record next to the PEM files to decide whether they still fit. */
interface CertificateMeta {
  readonly version: number;
  readonly algorithm: string;
  readonly ips: readonly string[];
  readonly notAfter: string;
}

const META_VERSION = 2;
const VALID_DAYS = 365;
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

async function readExisting(dir: string): Promise<{ key: string; cert: string; meta: CertificateMeta | undefined } | undefined> {
  try {
    const key = await readFile(path.join(dir, 'key.pem'), 'utf8');
    const cert = await readFile(path.join(dir, 'cert.pem'), 'utf8');
    let meta: CertificateMeta | undefined;
    try {
      meta = JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as CertificateMeta;
    } catch {
      meta = undefined;
    }
    return { key, cert, meta };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Why the stored certificate no longer fits, or undefined when it does. */
export function staleReason(meta: CertificateMeta | undefined, ips: readonly string[], nowMs: number): string | undefined {
  if (!meta || meta.version !== META_VERSION || meta.algorithm !== 'sha256') return 'made by an older version (SHA-1)';
  const missing = ips.filter((ip) => !meta.ips.includes(ip));
  if (missing.length) return `addresses changed: ${missing.join(', ')} not covered`;
  if (!(Date.parse(meta.notAfter) - nowMs > RENEW_BEFORE_MS)) return `expires ${meta.notAfter.slice(0, 10)}`;
  return undefined;
}

/** Read the certificate in `dir` when it covers localhost and `ips`; else make a new one there. */
export async function loadOrCreateCertificate(dir: string, ips: readonly string[], now = new Date()): Promise<Certificate> {
  const existing = await readExisting(dir);
  const reason = existing ? staleReason(existing.meta, ips, now.getTime()) : 'none yet';
  if (existing && !reason) return { key: existing.key, cert: existing.cert, origin: 'reused', dir };
  const altNames = [
    { type: 2 as const, value: 'localhost' },
    { type: 7 as const, ip: '127.0.0.1' },
    ...ips.map((ip) => ({ type: 7 as const, ip })),
  ];
  const notAfter = new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'carbonedge.local' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: notAfter,
    extensions: [{ name: 'subjectAltName', altNames }],
  });
  const meta: CertificateMeta = { version: META_VERSION, algorithm: 'sha256', ips: [...ips], notAfter: notAfter.toISOString() };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'key.pem'), pems.private, { mode: 0o600 });
  await writeFile(path.join(dir, 'cert.pem'), pems.cert);
  await writeFile(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return { key: pems.private, cert: pems.cert, origin: reason!, dir };
}
