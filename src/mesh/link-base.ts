/** What every Link implementation shares: listeners, the close state, and the send checks. */
import { Listeners } from '../util/listeners';
import { LinkClosedError, MAX_MESSAGE_BYTES, type Link, type LinkPayload } from './transport';

/** Base of the transports' links; subclasses move the bytes. */
export abstract class LinkBase implements Link {
  private readonly messages = new Listeners<[LinkPayload]>();
  private readonly closes = new Listeners<[string]>();
  private closeReason: string | undefined;

  abstract readonly remotePeerId: string;
  abstract readonly bufferedAmount: number;
  abstract send(payload: LinkPayload): void;
  abstract close(): void;

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  onMessage(handler: (payload: LinkPayload) => void): () => void {
    return this.messages.add(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    if (this.closeReason !== undefined) {
      const reason = this.closeReason;
      queueMicrotask(() => handler(reason));
      return () => undefined;
    }
    return this.closes.add(handler);
  }

  /** Hand an inbound message to the subscribers. */
  deliver(payload: LinkPayload): void {
    this.messages.emit(payload);
  }

  /** Record the close once and tell the subscribers. */
  markClosed(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.closes.emit(reason);
  }

  /** Throw for a send on a closed link or a binary message over the data-channel limit. */
  protected checkSend(payload: LinkPayload): void {
    if (this.closed) throw new LinkClosedError(`link to ${this.remotePeerId} is closed (${this.closeReason})`);
    if (typeof payload !== 'string' && payload.byteLength > MAX_MESSAGE_BYTES) {
      throw new RangeError(`binary message of ${payload.byteLength} bytes exceeds ${MAX_MESSAGE_BYTES}; chunk it`);
    }
  }
}
