/**
 * The PeerJS adapter: the only module that imports peerjs. Main thread only (PeerJS needs
 * RTCPeerConnection, absent in workers). Links use `raw` serialization: strings stay strings,
 * ArrayBuffers stay binary - no BinaryPack - and we keep every binary message under 256 KiB
 * ourselves because PeerJS throws above that and closes the connection.
 */
import { Peer, type DataConnection, type PeerError } from 'peerjs';
import {
  ConnectTimeoutError,
  PeerIdTakenError,
  PeerUnavailableError,
  SignalingError,
  type Link,
  type LinkPayload,
  type Transport,
} from './transport';
import { Listeners } from '../util/listeners';
import { LinkBase } from './link-base';

/** Where the signaling server is, and which ICE servers to use. */
export interface PeerTransportOptions {
  /** Our id; random when omitted. */
  readonly peerId?: string;
  readonly host: string;
  readonly port: number;
  /** Mount path of the PeerJS server, e.g. '/peerjs'. */
  readonly path: string;
  /** The server's PeerJS key (from /api/config); PeerJS's default 'peerjs' when omitted. */
  readonly key?: string;
  readonly secure: boolean;
  /** STUN/TURN servers; [] on a LAN and in tests. */
  readonly iceServers?: RTCIceServer[];
  readonly signal?: AbortSignal;
}

class PeerLink extends LinkBase {
  constructor(private readonly conn: DataConnection) {
    super();
    conn.on('data', (data) => {
      if (typeof data === 'string') this.deliver(data);
      else if (data instanceof ArrayBuffer) this.deliver(data);
      else if (ArrayBuffer.isView(data)) {
        const view = data as ArrayBufferView;
        this.deliver(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
      }
      // Anything else cannot come from a raw channel; ignore it (the receiver counts bad frames).
    });
    conn.on('close', () => this.markClosed('closed by peer'));
    conn.on('error', (err) => this.markClosed(`link error: ${err.message}`));
    conn.on('iceStateChanged', (state) => {
      // 'disconnected' is often transient (consent checks missed under load, a Wi-Fi hiccup) and
      // may recover; heartbeats catch a peer that stays away.
      if (state === 'failed' || state === 'closed') this.markClosed(`ICE ${state}`);
    });
  }

  get remotePeerId(): string {
    return this.conn.peer;
  }
  get bufferedAmount(): number {
    return this.conn.dataChannel?.bufferedAmount ?? 0;
  }

  send(payload: LinkPayload): void {
    this.checkSend(payload);
    void this.conn.send(payload);
  }

  close(): void {
    this.markClosed('closed locally');
    this.conn.close();
  }

}

/** Connect to the signaling server and resolve once our id is registered. */
/** How long the signaling server may stay unreachable before the transport reports it. */
const SIGNALING_GRACE_MS = 60_000;

export function openPeerTransport(options: PeerTransportOptions): Promise<Transport> {
  const peerOptions = {
    host: options.host,
    port: options.port,
    path: options.path,
    ...(options.key ? { key: options.key } : {}),
    secure: options.secure,
    debug: 0,
    config: { iceServers: options.iceServers ?? [] },
  };
  const peer = options.peerId ? new Peer(options.peerId, peerOptions) : new Peer(peerOptions);
  const links = new Listeners<[Link]>();
  const errors = new Listeners<[Error]>();
  const pendingUnavailable = new Map<string, (error: Error) => void>();
  const open = new Set<PeerLink>();
  let stopped = false;

  const transport: Transport = {
    get localPeerId() {
      return peer.id;
    },
    connect(remotePeerId, { signal, timeoutMs = 15_000 } = {}) {
      return new Promise<Link>((resolve, reject) => {
        const conn = peer.connect(remotePeerId, { serialization: 'raw', reliable: true });
        const fail = (error: Error) => {
          cleanup();
          conn.close();
          reject(error);
        };
        const timer = setTimeout(() => fail(new ConnectTimeoutError(`no answer from ${remotePeerId} within ${timeoutMs} ms`)), timeoutMs);
        const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        pendingUnavailable.set(remotePeerId, fail);
        const cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          pendingUnavailable.delete(remotePeerId);
        };
        conn.once('open', () => {
          cleanup();
          const link = new PeerLink(conn);
          open.add(link);
          link.onClose(() => open.delete(link));
          resolve(link);
        });
      });
    },
    onLink: (handler) => links.add(handler),
    onError: (handler) => errors.add(handler),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const link of open) link.close();
      peer.destroy();
    },
  };

  peer.on('connection', (conn) => {
    conn.once('open', () => {
      const link = new PeerLink(conn);
      open.add(link);
      link.onClose(() => open.delete(link));
      links.emit(link);
    });
  });

  return new Promise<Transport>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      transport.stop();
      if (!settled) reject(new Error('aborted'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    peer.on('open', () => {
      settled = true;
      resolve(transport);
    });
    peer.on('error', (err: PeerError<string>) => {
      const type = String(err.type);
      if (type === 'peer-unavailable') {
        // PeerJS says "Could not connect to peer <id>"; find which pending connect it was.
        for (const [id, fail] of pendingUnavailable) {
          if (err.message.includes(id)) fail(new PeerUnavailableError(id));
        }
        return;
      }
      const error =
        type === 'unavailable-id'
          ? new PeerIdTakenError(options.peerId ?? '?')
          : new SignalingError(`signaling failed (${type}): ${err.message}`);
      if (!settled) {
        settled = true;
        transport.stop();
        reject(error);
      } else errors.emit(error);
    });
    // The signaling socket drops when a tab sleeps or the network blips; open links keep working,
    // but new ones need it: reconnect quietly, and say so only when it stays away.
    let lostSinceMs: number | undefined;
    const reconnect = () => {
      if (stopped || !peer.disconnected || peer.destroyed) return;
      lostSinceMs ??= Date.now();
      if (Date.now() - lostSinceMs > SIGNALING_GRACE_MS) errors.emit(new SignalingError('lost the signaling server'));
      else {
        peer.reconnect();
        setTimeout(reconnect, 2000);
      }
    };
    peer.on('open', () => (lostSinceMs = undefined));
    peer.on('disconnected', () => setTimeout(reconnect, 500));
  });
}
