/**
 * Limits that keep the signaling server usable under a flood (issue 13, finding 8: on PeerJS
 * defaults, 5,000 unauthenticated registrations locked out every new coordinator and node, and
 * 50 MiB messages were queued and relayed). Plugged into the `peer` package through its own
 * `createWebSocketServer` option, so nothing is forked:
 * - the key must match (refused before the WebSocket upgrade, HTTP 401);
 * - at most `maxConnectionsPerAddress` sockets per remote address and `maxConnections` overall, so
 *   one address cannot fill the server;
 * - new sockets per address are rate-limited (token bucket);
 * - a WebSocket message above `maxMessageBytes` closes the socket (ws `maxPayload`, close 1009);
 *   signaling messages are SDP offers and ICE candidates, a few KiB at most;
 * - messages per socket are rate-limited; a socket over the rate is closed;
 * - plain HTTP requests (the app, /api, PeerJS's REST routes) are rate-limited per address (429).
 * Every refusal is counted by reason.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type ServerOptions as WsServerOptions, type WebSocket } from 'ws';
import type express from 'express';

/** Limits of the signaling server (all have defaults). */
export interface SignalingLimits {
  /** Open WebSockets overall (PeerJS default 5,000; default here 1,000). */
  readonly maxConnections?: number;
  /** Open WebSockets per remote address (default 64: a lab machine runs many node pages). */
  readonly maxConnectionsPerAddress?: number;
  /** New WebSockets per address: burst (default 60) and refill per second (default 5). */
  readonly connectBurst?: number;
  readonly connectsPerSecond?: number;
  /** Largest WebSocket message, bytes (default 32 KiB). */
  readonly maxMessageBytes?: number;
  /** Messages per socket: burst (default 400) and refill per second (default 100). */
  readonly messageBurst?: number;
  readonly messagesPerSecond?: number;
  /** HTTP requests per address: burst (default 600) and refill per second (default 100). */
  readonly httpBurst?: number;
  readonly httpPerSecond?: number;
}

/** Why the guard refused something. */
export const SIGNALING_REFUSALS = ['bad-key', 'server-full', 'address-full', 'connect-rate', 'message-too-big', 'message-rate', 'http-rate'] as const;
/** One of {@link SIGNALING_REFUSALS}. */
export type SignalingRefusal = (typeof SIGNALING_REFUSALS)[number];

/** Counters of the guard (numbers only). */
export interface SignalingStats {
  /** Open WebSockets now. */
  readonly connections: number;
  /** Most open at once. */
  readonly peakConnections: number;
  /** Refusals by reason. */
  readonly refused: Readonly<Record<SignalingRefusal, number>>;
}

/** A token bucket per key, forgetting keys that have been full for a while. */
class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(private readonly burst: number, private readonly perSecond: number, private readonly now: () => number) {}
  take(key: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size > 10_000) this.forgetFull(now);
      bucket = { tokens: this.burst, atMs: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * this.perSecond);
    bucket.atMs = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
  private forgetFull(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.atMs) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
  }
}

/** The guard: a WebSocket server factory for `peer`, an express middleware, and its counters. */
export interface SignalingGuard {
  /** Pass as `createWebSocketServer` in ExpressPeerServer's options. */
  createWebSocketServer(options: WsServerOptions): WebSocketServer;
  /** Per-address HTTP rate limit (429 with Retry-After). */
  httpLimit: express.RequestHandler;
  /** Counters, a snapshot. */
  readonly stats: SignalingStats;
  /** The remote address a WebSocket accepted here came from (undefined for any other socket). */
  addressOf(socket: WebSocket): string | undefined;
}

function addressOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Make a guard for a server whose PeerJS key is `key`. */
export function createSignalingGuard(key: string, limits: SignalingLimits = {}, now: () => number = Date.now): SignalingGuard {
  const maxConnections = limits.maxConnections ?? 1000;
  const maxPerAddress = limits.maxConnectionsPerAddress ?? 64;
  const maxMessageBytes = limits.maxMessageBytes ?? 32 * 1024;
  const connects = new RateLimiter(limits.connectBurst ?? 60, limits.connectsPerSecond ?? 5, now);
  const http = new RateLimiter(limits.httpBurst ?? 600, limits.httpPerSecond ?? 100, now);
  const perAddress = new Map<string, number>();
  const refused = Object.fromEntries(SIGNALING_REFUSALS.map((r) => [r, 0])) as Record<SignalingRefusal, number>;
  let open = 0;
  let peak = 0;
  const addresses = new WeakMap<WebSocket, string>();

  const verifyClient: WsServerOptions['verifyClient'] = (info, done) => {
    const req = info.req;
    const address = addressOf(req);
    const params = new URL(req.url ?? '', 'http://x').searchParams;
    const refuse = (reason: SignalingRefusal, code: number, text: string) => {
      refused[reason]++;
      done(false, code, text);
    };
    if (params.get('key') !== key) return refuse('bad-key', 401, 'bad key');
    if (!connects.take(address)) return refuse('connect-rate', 429, 'too many new connections from this address');
    if (open >= maxConnections) return refuse('server-full', 503, 'server full');
    if ((perAddress.get(address) ?? 0) >= maxPerAddress) return refuse('address-full', 429, 'too many connections from this address');
    done(true);
  };

  const onConnection = (socket: WebSocket, req: IncomingMessage) => {
    const address = addressOf(req);
    addresses.set(socket, address);
    open++;
    peak = Math.max(peak, open);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    const messages = new RateLimiter(limits.messageBurst ?? 400, limits.messagesPerSecond ?? 100, now);
    socket.on('message', () => {
      if (messages.take('')) return;
      refused['message-rate']++;
      socket.close(1008, 'message rate exceeded');
      socket.terminate();
    });
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself (1009) when a message exceeds maxPayload.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') refused['message-too-big']++;
    });
    socket.on('close', () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  };

  return {
    createWebSocketServer(options) {
      const wss = new WebSocketServer({ ...options, maxPayload: maxMessageBytes, verifyClient });
      wss.on('connection', onConnection); // registered before PeerJS's own listener
      return wss;
    },
    httpLimit(req, res, next) {
      if (http.take(req.socket.remoteAddress ?? 'unknown')) return next();
      refused['http-rate']++;
      res.status(429).setHeader('Retry-After', '1').type('text/plain').send('too many requests');
    },
    addressOf: (socket) => addresses.get(socket),
    get stats() {
      return { connections: open, peakConnections: peak, refused: { ...refused } };
    },
  };
}
