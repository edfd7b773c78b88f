/** Branded identifiers, so a room id can never be passed where a node id is expected. */

declare const brand: unique symbol;
/** A string tagged with a compile-time brand. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A room (one coordinator and its swarm). */
export type RoomId = Brand<string, 'RoomId'>;
/** A node, as the coordinator names it (its PeerJS id). */
export type NodeId = Brand<string, 'NodeId'>;
/** The secret a join URL carries; the coordinator admits only nodes that present it. */
export type JoinToken = Brand<string, 'JoinToken'>;

const ROOM_RE = /^[a-z0-9]{6,32}$/;
const TOKEN_RE = /^[A-Za-z0-9_-]{16,64}$/;

/** Random URL-safe characters from the platform CSPRNG. */
function randomChars(length: number, alphabet: string): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** A fresh room id (10 lowercase letters/digits). */
export function newRoomId(): RoomId {
  return randomChars(10, 'abcdefghijklmnopqrstuvwxyz0123456789') as RoomId;
}

/** A fresh join token (24 URL-safe characters, ~143 bits). */
export function newJoinToken(): JoinToken {
  return randomChars(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') as JoinToken;
}

/** Accept a room id from untrusted text, or undefined. */
export function parseRoomId(text: unknown): RoomId | undefined {
  return typeof text === 'string' && ROOM_RE.test(text) ? (text as RoomId) : undefined;
}

/** Accept a join token from untrusted text, or undefined. */
export function parseJoinToken(text: unknown): JoinToken | undefined {
  return typeof text === 'string' && TOKEN_RE.test(text) ? (text as JoinToken) : undefined;
}

/** The PeerJS id under which a room's coordinator listens. */
export function coordinatorPeerId(room: RoomId): string {
  return `carbonedge-${room}`;
}
