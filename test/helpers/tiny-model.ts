/** The catalogue's tiny CNN, profiled, with one seeded input and the whole model's output for it (integration tests). */
import { indexModel, parseModel, profileModel, randomFeeds, type ModelProfile } from '../../src/graph/index';
import { createSession } from '../../src/runtime/ort-session';
import type { TensorData } from '../../src/runtime/tensor';
import { loadZooModel, zooInfo } from '../../src/zoo/index';

/** What a test needs of tinycnn: its profile, an input made from `seed`, and the expected output. */
export async function tinyCnnCase(seed: number): Promise<{ profile: ModelProfile; input: Record<string, TensorData>; expected: Record<string, TensorData> }> {
  const bytes = await loadZooModel('tinycnn');
  const profile = await profileModel(indexModel(parseModel(bytes)), [{ name: undefined, dims: [1, 3, 32, 32] }]);
  const input = randomFeeds(profile.index, profile.inputShapes, seed);
  const session = await createSession(bytes);
  const expected = await session.run(input);
  await session.release();
  return { profile, input, expected };
}

/**
 * A catalogue model profiled, and the whole model's outputs for requests 1..n as a run makes them
 * (request i from seed `seed + i - 1`): what every split run in a test must equal.
 */
export async function wholeModelOutputs(model: string, n: number, seed = 1): Promise<{ profile: ModelProfile; expected: Record<string, TensorData>[] }> {
  const bytes = await loadZooModel(model);
  const profile = await profileModel(indexModel(parseModel(bytes)), [{ name: undefined, dims: zooInfo(model).inputShape }]);
  const whole = await createSession(bytes);
  const expected: Record<string, TensorData>[] = [];
  for (let i = 0; i < n; i++) expected.push(await whole.run(randomFeeds(profile.index, profile.inputShapes, seed + i)));
  await whole.release();
  return { profile, expected };
}

/** The catalogue's tiny CNN, profiled for a 1x3x32x32 input. */
export async function tinyCnnProfile(): Promise<ModelProfile> {
  return profileModel(indexModel(parseModel(await loadZooModel('tinycnn'))), [{ name: undefined, dims: [1, 3, 32, 32] }]);
}
