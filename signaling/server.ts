/**
 * The one server CarbonEdge needs: static hosting of the built app (with the cross-origin isolation
 * headers that onnxruntime-web's threads and SharedArrayBuffer require), a tiny config endpoint that
 * tells pages the machine's LAN join URLs, and the PeerJS signaling server. Readable in one sitting.
 */
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { randomBytes } from 'node:crypto';
import { loadOrCreateCertificate } from './certificate';
import { createSignalingGuard, type SignalingLimits, type SignalingStats } from './guard';
import { SERVER_HOST_TAG, createHostTagger, parsePeerList } from './hosts';
import { machineCpuTimes } from '../src/lab/quiet';

/** Path under which the PeerJS signaling server answers (pages connect with `path: PEER_PATH`). */
export const PEER_PATH = '/peerjs';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Folder of the built app (vite build output). */
  readonly staticDir: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind; 0.0.0.0 so phones on the LAN can reach it. */
  readonly host: string;
  /** Serve HTTPS with a self-signed certificate (created on first run in `certDir`). */
  readonly https?: boolean;
  /** Where the self-signed certificate is kept. */
  readonly certDir?: string;
  /**
   * The PeerJS key pages must present (default: random per start, told to pages by /api/config as
   * `peerKey`): PeerJS's default key `peerjs` lets any stock client use the server.
   */
  readonly peerKey?: string;
  /** Connection, message and rate limits of the signaling (see guard.ts for the defaults). */
  readonly limits?: SignalingLimits;
}

/** A running server. */
export interface RunningServer {
  /** Base URL on this machine, e.g. http://127.0.0.1:8080 */
  readonly localUrl: string;
  /** Base URLs on each LAN address (what phones open). */
  readonly lanUrls: readonly string[];
  /** The bound port. */
  readonly port: number;
  /** With https: where the certificate lives and whether it was reused or made (and why). */
  readonly certificate?: { readonly dir: string; readonly origin: string };
  /** The PeerJS key in force (pages read it from /api/config). */
  readonly peerKey: string;
  /** Signaling counters: open sockets and refusals by reason. */
  signalingStats(): SignalingStats;
  /** Close the server and every signaling socket. Idempotent. */
  stop(): Promise<void>;
}

/** IPv4 addresses of non-internal interfaces, the ones a phone on the same LAN can reach. */
export function lanAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) out.push(info.address);
    }
  }
  return out;
}

/**
 * The Content-Security-Policy of every response, as tight as the built app allows:
 * - scripts and workers only from this origin; `'wasm-unsafe-eval'` for onnxruntime-web's WASM and
 *   `blob:` workers, which its Emscripten glue may spawn for threads;
 * - `connect-src 'self'` covers fetches and the PeerJS WebSocket on this host (CSP 3 matches ws:/wss:
 *   of the same host); the two live intensity APIs are listed for src/carbon/live-intensity.ts;
 * - `img-src data:` for the join QR code and the inline favicon; inline style attributes appear in
 *   Lit templates, so `style-src` allows them (names typed by peers are rendered as text);
 * - no plugins, no framing, no <base> rewrite, forms only to this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' https://api.electricitymap.org https://api.carbonintensity.org.uk",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Headers on every response. COOP/COEP make pages crossOriginIsolated (threads, SharedArrayBuffer);
 * CORP lets isolated pages load our own assets (https://web.dev/coop-coep/). CSP as above;
 * `nosniff` so nothing is run under a guessed type; no Referer, so the join URL's token never
 * leaves in one.
 */
function securityHeaders(_req: express.Request, res: express.Response, next: express.NextFunction): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
}

/** Start serving. Rejects with a clear message when the port is taken or the app is not built. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!existsSync(path.join(options.staticDir, 'index.html'))) {
    throw new Error(`no built app in ${options.staticDir} (run "npm run build" first)`);
  }
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  const peerKey = options.peerKey ?? randomBytes(12).toString('base64url');
  const guard = createSignalingGuard(peerKey, options.limits);
  app.use(guard.httpLimit);
  const certificate = options.https ? await loadOrCreateCertificate(options.certDir ?? '.cache/cert', lanAddresses()) : undefined;
  const server = certificate ? https.createServer(certificate, app) : http.createServer(app);

  // Track every socket (upgraded WebSockets included) so stop() can end them all.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const scheme = options.https ? 'https' : 'http';
  let port = options.port;
  const urls = () => ({
    localUrl: `${scheme}://127.0.0.1:${port}`,
    lanUrls: lanAddresses().map((ip) => `${scheme}://${ip}:${port}`),
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${options.port} on ${options.host} is already in use (try --port)` : err.message));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;

  // Routes only once listening: the PeerJS server hooks the http server's events, and a failed
  // listen must not reach it.
  app.get('/api/config', (_req, res) => {
    res.json({ ...urls(), peerPath: PEER_PATH, peerKey, https: Boolean(options.https) });
  });
  // allow_discovery stays off: nobody can list the peers of a room.
  const peerServer = ExpressPeerServer(server, {
    path: '/',
    key: peerKey,
    allow_discovery: false,
    alive_timeout: 20_000,
    concurrent_limit: options.limits?.maxConnections ?? 1000,
    createWebSocketServer: (wsOptions) => guard.createWebSocketServer(wsOptions),
    // Pages are same-origin: no CORS for PeerJS's REST routes (its default allows any origin).
    corsOptions: { origin: false },
  });
  // PeerJS re-emits every socket error (a message over the size limit, a reset) on its app; an
  // EventEmitter 'error' without a listener would throw and end the server. The guard counts them.
  peerServer.on('error', () => undefined);
  // Which peers share a machine (hosts.ts): the clients PeerJS accepted, by id, with their sockets.
  const clients = new Map<string, { getSocket(): import('ws').WebSocket | null }>();
  peerServer.on('connection', (client) => clients.set(client.getId(), client));
  peerServer.on('disconnect', (client) => {
    if (clients.get(client.getId()) === client) clients.delete(client.getId());
  });
  const tagOf = createHostTagger();
  app.get('/api/hosts', (req, res) => {
    const peers = parsePeerList(req.query['peers']);
    if (!peers.ok) return void res.status(400).type('text/plain').send(peers.reason);
    const hosts: Record<string, string> = {};
    for (const id of peers.ids) {
      const socket = clients.get(id)?.getSocket();
      const tag = socket ? tagOf(guard.addressOf(socket)) : undefined;
      if (tag !== undefined) hosts[id] = tag;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({ hosts });
  });
  // This machine's CPU time so far (busy and total ms over its cores, and their count), for a
  // coordinator page on it: it times what moving bytes between its node pages costs the machine
  // (src/swarm/link-prober.ts). Only a page on this machine may read it (the same test as a
  // `server` tag): another device learns nothing of the server's load.
  app.get('/api/machine-cpu', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (tagOf(req.socket.remoteAddress) !== SERVER_HOST_TAG) return void res.status(403).type('text/plain').send("only a page on the server's machine may read its CPU time");
    res.json(machineCpuTimes());
  });
  app.use(PEER_PATH, peerServer);
  app.use(express.static(options.staticDir, { index: 'index.html' }));
  app.use((_req, res) => res.status(404).type('text/plain').send('not found'));


  let stopped: Promise<void> | undefined;
  return {
    ...urls(),
    port,
    ...(certificate ? { certificate: { dir: certificate.dir, origin: certificate.origin } } : {}),
    peerKey,
    signalingStats: () => guard.stats,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}
