/**
 * The page behind bench/mesh.bench.ts: two copies of it connect over our PeerJS transport (a real
 * WebRTC data channel) and time the same bytes sent raw (256 KiB ArrayBuffers) and as tensor
 * frames (encodeTensorFrames + sendChunks + FrameAssembler). The bench drives it through
 * `window.carbonedgeFrameBench`. Text messages on the link steer the receiver:
 * `start:raw:BYTES` / `start:frames:BYTES`, answered by `done:MODE:BYTES:REJECTED`.
 */
import { openPeerTransport } from '../src/mesh/peerjs-transport';
import { sendChunks, type SendChunksOptions } from '../src/mesh/chunked-sender';
import { MAX_MESSAGE_BYTES, type Link, type Transport } from '../src/mesh/transport';
import { encodeTensorFrames } from '../src/protocol/tensor-frame';
import { FrameAssembler } from '../src/protocol/frame-assembler';

/** One timed transfer, as seen by the sender. */
export interface TransferResult {
  /** 'raw' or 'frames'. */
  readonly mode: 'raw' | 'frames';
  /** Payload bytes sent (tensor bytes for frames, headers excluded). */
  readonly bytes: number;
  /** From the start message to the receiver's done message, ms. */
  readonly elapsedMs: number;
  /** Chunks the receiver rejected (frames only). */
  readonly rejected: number;
  /** Whether the receiver's checksum of the last tensor matched. */
  readonly intact: boolean;
}

/** What the bench calls in the page. */
export interface FrameBenchApi {
  /** Register with the signaling server under `peerId` and accept links. */
  listen(peerId: string): Promise<void>;
  /** Open our transport and connect to `remotePeerId` (the sender side). */
  connect(remotePeerId: string): Promise<void>;
  /** Send `totalBytes` as 256 KiB ArrayBuffers. */
  runRaw(totalBytes: number, send?: SendChunksOptions): Promise<TransferResult>;
  /** Send `totalBytes` as float32 tensors of `tensorBytes` each, in tensor frames. */
  runFrames(totalBytes: number, tensorBytes: number, send?: SendChunksOptions): Promise<TransferResult>;
}

declare global {
  interface Window {
    carbonedgeFrameBench: FrameBenchApi;
  }
}

let transport: Transport | undefined;
let link: Link | undefined;
const replies: ((text: string) => void)[] = [];

let peerKey: string | undefined;

async function signaling(peerId?: string) {
  peerKey ??= ((await (await fetch('/api/config')).json()) as { peerKey?: string }).peerKey;
  const secure = location.protocol === 'https:';
  return {
    ...(peerId ? { peerId } : {}),
    ...(peerKey ? { key: peerKey } : {}),
    host: location.hostname,
    port: Number(location.port) || (secure ? 443 : 80),
    path: '/peerjs',
    secure,
    iceServers: [],
  };
}

/** Sum of a few sampled floats: enough to tell a corrupted tensor from a good one. */
function checksum(data: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 997) sum += data[i]!;
  return sum;
}

function makeTensor(elements: number, seed: number): Float32Array {
  const data = new Float32Array(elements);
  for (let i = 0; i < elements; i += 997) data[i] = Math.sin(i + seed);
  return data;
}

/** Receiver: count bytes (raw) or assemble frames, then answer with `done:...`. */
function serve(l: Link): void {
  let mode: 'raw' | 'frames' | undefined;
  let expected = 0;
  let received = 0;
  let lastSum = Number.NaN;
  let assembler = new FrameAssembler();
  l.onMessage((payload) => {
    if (typeof payload === 'string') {
      const [verb, m, bytes] = payload.split(':');
      if (verb === 'start') {
        mode = m === 'frames' ? 'frames' : 'raw';
        expected = Number(bytes);
        received = 0;
        assembler = new FrameAssembler();
      } else replies.shift()?.(payload);
      return;
    }
    if (mode === 'raw') received += payload.byteLength;
    else if (mode === 'frames') {
      const result = assembler.push(payload);
      if (result.kind === 'frame') {
        received += result.frame.tensor.data.byteLength;
        lastSum = checksum(result.frame.tensor.data as Float32Array);
      }
    }
    if (mode && received >= expected) {
      const rejected = Object.values(assembler.stats.rejected).reduce((a, b) => a + b, 0);
      l.send(`done:${mode}:${received}:${rejected}:${lastSum}`);
      mode = undefined;
    }
  });
}

async function timed(mode: 'raw' | 'frames', totalBytes: number, body: (l: Link) => Promise<number>): Promise<TransferResult> {
  const l = link;
  if (!l) throw new Error('connect first');
  const done = new Promise<string>((resolve) => replies.push(resolve));
  const started = performance.now();
  l.send(`start:${mode}:${totalBytes}`);
  const expectedSum = await body(l);
  const reply = await done;
  const elapsedMs = performance.now() - started;
  const [, , bytes, rejected, sum] = reply.split(':');
  return {
    mode,
    bytes: Number(bytes),
    elapsedMs,
    rejected: Number(rejected),
    intact: mode === 'raw' || Math.abs(Number(sum) - expectedSum) < 1e-3,
  };
}

window.carbonedgeFrameBench = {
  async listen(peerId) {
    transport = await openPeerTransport(await signaling(peerId));
    transport.onLink(serve);
  },
  async connect(remotePeerId) {
    transport = await openPeerTransport(await signaling());
    link = await transport.connect(remotePeerId);
    link.onMessage((payload) => {
      if (typeof payload === 'string') replies.shift()?.(payload);
    });
  },
  runRaw(totalBytes, send) {
    return timed('raw', totalBytes, async (l) => {
      const piece = new ArrayBuffer(MAX_MESSAGE_BYTES);
      const pieces: ArrayBuffer[] = [];
      for (let sent = 0; sent < totalBytes; sent += MAX_MESSAGE_BYTES) {
        pieces.push(totalBytes - sent >= MAX_MESSAGE_BYTES ? piece : new ArrayBuffer(totalBytes - sent));
      }
      await sendChunks(l, pieces, send);
      return 0;
    });
  },
  runFrames(totalBytes, tensorBytes, send) {
    // The tensors exist before the clock starts, as a slice's outputs would.
    const tensors = Array.from({ length: Math.ceil(totalBytes / tensorBytes) }, (_, i) => makeTensor(tensorBytes / 4, i));
    return timed('frames', totalBytes, async (l) => {
      let lastSum = 0;
      for (const [i, data] of tensors.entries()) {
        lastSum = checksum(data);
        const messages = encodeTensorFrames({ runId: 1, requestId: i, sliceIndex: 1, tensorIndex: 0, tensorCount: 1, name: 'x' }, {
          dtype: 'float32',
          dims: [1, data.length],
          data,
        });
        await sendChunks(l, messages, send);
      }
      return lastSum;
    });
  },
};
