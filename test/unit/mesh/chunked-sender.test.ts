import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendChunks } from '../../../src/mesh/chunked-sender';
import { LinkClosedError, type Link, type LinkPayload } from '../../../src/mesh/transport';
import { Listeners } from '../../../src/util/listeners';

/** A Link whose buffer only drains when the test says so. */
class FakeLink implements Link {
  readonly remotePeerId = 'fake';
  bufferedAmount = 0;
  readonly sent: ArrayBuffer[] = [];
  private closeReason: string | undefined;
  private readonly closes = new Listeners<[string]>();
  get closed(): boolean {
    return this.closeReason !== undefined;
  }
  send(payload: LinkPayload): void {
    if (this.closed) throw new LinkClosedError('closed');
    if (typeof payload === 'string') throw new Error('unexpected text');
    this.sent.push(payload);
    this.bufferedAmount += payload.byteLength;
  }
  onMessage(): () => void {
    return () => undefined;
  }
  onClose(handler: (reason: string) => void): () => void {
    return this.closes.add(handler);
  }
  close(): void {
    this.closeReason ??= 'closed locally';
    this.closes.emit(this.closeReason);
  }
  /** The network took `bytes` off the buffer. */
  drain(bytes: number): void {
    this.bufferedAmount = Math.max(0, this.bufferedAmount - bytes);
  }
}

const messages = (count: number, bytes = 100) => Array.from({ length: count }, () => new ArrayBuffer(bytes));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sendChunks', () => {
  it('sends everything at once while the buffer stays under the high-water mark', async () => {
    const link = new FakeLink();
    const report = await sendChunks(link, messages(5), { highWaterBytes: 1000, lowWaterBytes: 200 });
    expect(link.sent).toHaveLength(5);
    expect(report).toMatchObject({ messages: 5, bytes: 500, pauses: 0 });
  });

  it('pauses at the high-water mark and resumes only once drained to the low-water mark', async () => {
    const link = new FakeLink();
    let done = false;
    const sending = sendChunks(link, messages(10), { highWaterBytes: 300, lowWaterBytes: 100, pollMs: 5 }).then((r) => {
      done = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(link.sent).toHaveLength(3); // 300 bytes buffered: a 4th would pass the mark
    expect(done).toBe(false);
    link.drain(150); // 150 left: still above low water
    await vi.advanceTimersByTimeAsync(50);
    expect(link.sent).toHaveLength(3);
    link.drain(50); // 100 left: at low water
    await vi.advanceTimersByTimeAsync(5);
    expect(link.sent).toHaveLength(5);
    for (let i = 0; i < 10 && !done; i++) {
      link.drain(1000);
      await vi.advanceTimersByTimeAsync(5);
    }
    const report = await sending;
    expect(link.sent).toHaveLength(10);
    expect(report.pauses).toBeGreaterThanOrEqual(3);
  });

  it('lets a single message larger than the mark through on an empty buffer', async () => {
    const link = new FakeLink();
    await sendChunks(link, messages(1, 5000), { highWaterBytes: 1000 });
    expect(link.sent).toHaveLength(1);
  });

  it('rejects with LinkClosedError when the link closes mid-send', async () => {
    const link = new FakeLink();
    const sending = sendChunks(link, messages(10), { highWaterBytes: 300, lowWaterBytes: 100 });
    const outcome = expect(sending).rejects.toBeInstanceOf(LinkClosedError);
    await vi.advanceTimersByTimeAsync(5);
    link.close();
    await outcome;
    expect(link.sent).toHaveLength(3);
  });

  it('rejects with LinkClosedError on a link that is already closed', async () => {
    const link = new FakeLink();
    link.close();
    await expect(sendChunks(link, messages(1))).rejects.toThrow(LinkClosedError);
  });

  it('stops between messages when aborted, with the abort reason', async () => {
    const link = new FakeLink();
    const controller = new AbortController();
    const sending = sendChunks(link, messages(10), { highWaterBytes: 300, lowWaterBytes: 100, signal: controller.signal });
    const outcome = expect(sending).rejects.toThrow('stop now');
    await vi.advanceTimersByTimeAsync(5);
    controller.abort(new Error('stop now'));
    await outcome;
    expect(link.sent).toHaveLength(3);
  });
});
