/**
 * The transport contract the swarm is written against. Implementations: PeerJS over WebRTC
 * (peerjs-transport.ts, browser main thread only) and, for tests, in-memory links.
 *
 * A link carries two kinds of message: text (control JSON, see src/protocol/messages.ts) and binary
 * (tensor frames). Messages arrive whole and in order on a link.
 */

/** What travels on a link. */
export type LinkPayload = string | ArrayBuffer;

/** One bidirectional, ordered, reliable link to a peer. */
export interface Link {
  /** The remote peer's transport id. */
  readonly remotePeerId: string;
  /** True once closed (by either side); sends then throw LinkClosedError. */
  readonly closed: boolean;
  /** Bytes queued but not yet sent (for backpressure). */
  readonly bufferedAmount: number;
  /** Send one message (binary messages at most {@link MAX_MESSAGE_BYTES}). */
  send(payload: LinkPayload): void;
  /** Subscribe to inbound messages; returns the unsubscribe function. */
  onMessage(handler: (payload: LinkPayload) => void): () => void;
  /** Subscribe to the close (called once, with a reason). */
  onClose(handler: (reason: string) => void): () => void;
  /** Close the link. Idempotent. */
  close(): void;
}

/** A local endpoint that can open links and accept them. */
export interface Transport {
  /** This endpoint's id. */
  readonly localPeerId: string;
  /** Open a link to a remote peer. Rejects with PeerUnavailableError when nobody has that id. */
  connect(remotePeerId: string, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<Link>;
  /** Subscribe to links other peers open to us. */
  onLink(handler: (link: Link) => void): () => void;
  /** Subscribe to the loss of the signaling connection or a fatal transport error. */
  onError(handler: (error: Error) => void): () => void;
  /** Close every link and the endpoint. Idempotent. */
  stop(): void;
}

/** The largest binary message a link accepts (WebRTC data channels: 256 KiB in Chromium). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Sending on a closed link. */
export class LinkClosedError extends Error {
  override name = 'LinkClosedError';
}

/** No peer with that id is registered (e.g. a room that does not exist). */
export class PeerUnavailableError extends Error {
  override name = 'PeerUnavailableError';
  constructor(readonly peerId: string) {
    super(`no peer "${peerId}" is online`);
  }
}

/** The id we asked for is taken by someone else. */
export class PeerIdTakenError extends Error {
  override name = 'PeerIdTakenError';
  constructor(readonly peerId: string) {
    super(`the id "${peerId}" is already in use`);
  }
}

/** Reaching the signaling server failed or it dropped us. */
export class SignalingError extends Error {
  override name = 'SignalingError';
}

/** A connect that took longer than allowed. */
export class ConnectTimeoutError extends Error {
  override name = 'ConnectTimeoutError';
}
