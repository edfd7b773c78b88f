/** The catalogue's tiny CNN, profiled, with one seeded input and the whole model's output for it (integration tests). */
import { indexModel, parseModel, profileModel, randomFeeds, type ModelProfile } from '../../src/graph/index';
import { createSession } from '../../src/runtime/ort-session';
import type { TensorData } from '../../src/runtime/tensor';
import { loadZooModel } from '../../src/zoo/index';

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
