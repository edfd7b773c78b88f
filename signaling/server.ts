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
import { loadOrCreateCertificate } from './certificate';

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
 * Headers on every response. COOP/COEP make pages crossOriginIsolated (threads, SharedArrayBuffer);
 * CORP lets isolated pages load our own assets. See https://web.dev/coop-coep/.
 */
function isolationHeaders(_req: express.Request, res: express.Response, next: express.NextFunction): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
}

/** Start serving. Rejects with a clear message when the port is taken or the app is not built. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!existsSync(path.join(options.staticDir, 'index.html'))) {
    throw new Error(`no built app in ${options.staticDir} (run "npm run build" first)`);
  }
  const app = express();
  app.disable('x-powered-by');
  app.use(isolationHeaders);
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
    res.json({ ...urls(), peerPath: PEER_PATH, https: Boolean(options.https) });
  });
  // allow_discovery stays off: nobody can list the peers of a room.
  const peerServer = ExpressPeerServer(server, { path: '/', allow_discovery: false, alive_timeout: 20_000 });
  app.use(PEER_PATH, peerServer);
  app.use(express.static(options.staticDir, { index: 'index.html' }));
  app.use((_req, res) => res.status(404).type('text/plain').send('not found'));


  let stopped: Promise<void> | undefined;
  return {
    ...urls(),
    port,
    ...(certificate ? { certificate: { dir: certificate.dir, origin: certificate.origin } } : {}),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}
