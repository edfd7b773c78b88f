/**
 * Bytes <-> text for keys, nonces and signatures (base64url without padding, RFC 4648 section 5),
 * and domain-separated transcripts for signing. No Buffer, no crypto.subtle: runs in pages served
 * over plain http, workers and Node alike.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));
const utf8 = new TextEncoder();

/** A key, nonce or signature that is not what it claims to be. */
export class TrustError extends Error {
  override name = 'TrustError';
}

/** Encode bytes as base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >>> (18 - 6 * k)) & 63];
  }
  return out;
}

/**
 * Decode base64url (no padding) that must hold exactly `expectedBytes` bytes; throws TrustError
 * naming `what` otherwise. Non-canonical encodings (stray low bits) are refused, so one value has
 * one spelling.
 */
export function fromBase64Url(text: unknown, expectedBytes: number, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length !== Math.ceil((expectedBytes * 8) / 6)) {
    throw new TrustError(`${what} must be ${Math.ceil((expectedBytes * 8) / 6)} base64url characters (${expectedBytes} bytes)`);
  }
  const out = new Uint8Array(expectedBytes);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) throw new TrustError(`${what} has a character outside base64url: ${JSON.stringify(c)}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) throw new TrustError(`${what} is not canonical base64url`);
  return out;
}

/** One field of a transcript. */
export type TranscriptField = string | number | Uint8Array;

/**
 * Bytes to sign or MAC: a label (domain separation: a signature made for one purpose can never be
 * replayed for another) then each field length-prefixed (u32 big-endian), strings as UTF-8,
 * numbers as their decimal text.
 */
export function transcript(label: string, ...fields: readonly TranscriptField[]): Uint8Array {
  const parts = [label, ...fields].map((f) => (f instanceof Uint8Array ? f : utf8.encode(typeof f === 'number' ? String(f) : f)));
  const total = parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** Compare two byte strings in time independent of where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
