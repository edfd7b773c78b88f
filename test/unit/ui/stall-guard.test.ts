import { describe, expect, it } from 'vitest';
import { retryOnceIfStalled } from '../../../src/ui/stall-guard';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A fake worker pool: attempt n answers per `answers[n]` ('hang', a value, or an Error). */
function fakeWorkers(answers: readonly (string | Error)[]) {
  const log: string[] = [];
  let worker = 0;
  return {
    log,
    attempt: () => {
      const answer = answers[worker];
      log.push(`attempt on worker ${worker}`);
      if (answer === 'hang') return never<string>();
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(`${answer} from worker ${worker}`);
    },
    abandon: () => {
      log.push(`terminated worker ${worker}`);
      worker++;
    },
  };
}

describe('retryOnceIfStalled', () => {
  it('answers at once when the first attempt answers, replacing nothing', async () => {
    const workers = fakeWorkers(['profile']);
    const retries: string[] = [];
    const value = await retryOnceIfStalled(workers.attempt, { what: 'profiling tinycnn', timeoutMs: 50, abandon: workers.abandon, onRetry: (m) => retries.push(m) });
    expect(value).toBe('profile from worker 0');
    expect(workers.log).toEqual(['attempt on worker 0']);
    expect(retries).toEqual([]);
  });

  it('replaces a worker that never answers and answers from the fresh one, saying so once', async () => {
    const workers = fakeWorkers(['hang', 'profile']);
    const retries: string[] = [];
    const t0 = performance.now();
    const value = await retryOnceIfStalled(workers.attempt, { what: 'profiling tinycnn in this tab\'s runtime worker', timeoutMs: 60, abandon: workers.abandon, onRetry: (m) => retries.push(m) });
    expect(value).toBe('profile from worker 1');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(workers.log).toEqual(['attempt on worker 0', 'terminated worker 0', 'attempt on worker 1']);
    expect(retries).toEqual(["profiling tinycnn in this tab's runtime worker did not finish within 60 ms: started a fresh runtime worker and tried again"]);
  });

  it('gives up after a second stall with a message naming both attempts and what to do', async () => {
    const workers = fakeWorkers(['hang', 'hang']);
    await expect(retryOnceIfStalled(workers.attempt, { what: 'profiling resnet18', timeoutMs: 20, abandon: workers.abandon })).rejects.toThrow(
      'profiling resnet18 did not finish within 20 ms, twice (the second time in a fresh runtime worker): reload this tab and try again',
    );
    expect(workers.log).toEqual(['attempt on worker 0', 'terminated worker 0', 'attempt on worker 1', 'terminated worker 1']);
  });

  it('does not retry an attempt that fails: its error is the answer', async () => {
    const workers = fakeWorkers([new Error('the model is not valid ONNX'), 'profile']);
    await expect(retryOnceIfStalled(workers.attempt, { what: 'profiling x', timeoutMs: 1000, abandon: workers.abandon })).rejects.toThrow('the model is not valid ONNX');
    expect(workers.log).toEqual(['attempt on worker 0']);
  });
});
