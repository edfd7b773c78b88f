/**
 * Send many binary messages over a {@link Link} without flooding it. A data channel buffers what we
 * send; Chromium closes the channel when that buffer overflows (16 MiB), and PeerJS starts its own
 * unbounded queue above 8 MiB. So we keep `bufferedAmount` under a high-water mark: once the next
 * message would pass it, we pause until the buffer drains to the low-water mark. The Link interface
 * has no drain event, so we poll (a timer; browsers clamp it to ~4 ms, which the water marks cover:
 * at the defaults one wake-up sends 3 MiB). Transport-agnostic: only the Link interface is used.
 */
import { LinkClosedError, type Link } from './transport';

/** Options of {@link sendChunks}. */
export interface SendChunksOptions {
  /** Pause before a send would take `bufferedAmount` above this many bytes (default 4 MiB). */
  readonly highWaterBytes?: number;
  /** Resume once `bufferedAmount` is at most this many bytes (default 1 MiB). */
  readonly lowWaterBytes?: number;
  /** Poll interval while paused, ms (default 1). */
  readonly pollMs?: number;
  /** Abort the send between messages (already sent messages stay sent). */
  readonly signal?: AbortSignal;
}

/** What a finished send did. */
export interface SendChunksReport {
  /** Messages sent. */
  readonly messages: number;
  /** Bytes sent. */
  readonly bytes: number;
  /** Times the sender paused for the buffer to drain. */
  readonly pauses: number;
  /** Time spent paused, ms. */
  readonly pausedMs: number;
}

/** Default high-water mark, bytes: well under PeerJS's 8 MiB queueing threshold. */
export const DEFAULT_HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Default low-water mark, bytes. */
export const DEFAULT_LOW_WATER_BYTES = 1024 * 1024;

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(`send aborted${reason === undefined ? '' : `: ${String(reason)}`}`);
  error.name = 'AbortError';
  return error;
}

/**
 * Send `messages` in order on `link`, pausing while its buffer is above the water marks. Resolves
 * once every message was handed to the link (not when the peer got it). Rejects with
 * LinkClosedError if the link closes before the last send, or with the abort reason.
 */
export async function sendChunks(link: Link, messages: readonly ArrayBuffer[], options: SendChunksOptions = {}): Promise<SendChunksReport> {
  const high = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  const low = Math.min(options.lowWaterBytes ?? DEFAULT_LOW_WATER_BYTES, high);
  const pollMs = options.pollMs ?? 1;
  const signal = options.signal;
  let bytes = 0;
  let pauses = 0;
  let pausedMs = 0;
  let closeReason: string | undefined;
  let wake: (() => void) | undefined;
  const offClose = link.onClose((reason) => {
    closeReason = reason;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  const check = () => {
    if (signal?.aborted) throw abortReason(signal);
    if (closeReason !== undefined || link.closed) {
      throw new LinkClosedError(`link to ${link.remotePeerId} closed after ${bytes} bytes (${closeReason ?? 'closed'})`);
    }
  };
  try {
    for (const message of messages) {
      check();
      // Let one message through on an empty buffer even when it alone passes the mark.
      if (link.bufferedAmount > 0 && link.bufferedAmount + message.byteLength > high) {
        pauses++;
        const started = Date.now();
        while (link.bufferedAmount > low) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, pollMs);
          });
          wake = undefined;
          check();
        }
        pausedMs += Date.now() - started;
      }
      try {
        link.send(message);
      } catch (error) {
        // A link that closed between our check and the send throws; report it as a closed link.
        if (link.closed && !(error instanceof LinkClosedError)) {
          throw new LinkClosedError(`link to ${link.remotePeerId} closed after ${bytes} bytes (${(error as Error).message})`);
        }
        throw error;
      }
      bytes += message.byteLength;
    }
    return { messages: messages.length, bytes, pauses, pausedMs };
  } finally {
    offClose();
    signal?.removeEventListener('abort', onAbort);
  }
}
