/** Find a scenario by bundled name (`paper`, `classroom`) or file path, and parse it. */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabScenarioError, parseLabScenarioText, type LabScenario } from './scenario';

/** Folder of the bundled scenarios. */
export const BUNDLED_SCENARIO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scenarios');

/** Names of the bundled scenarios. */
export const BUNDLED_SCENARIOS = ['paper', 'classroom', 'phones-split', 'green-budget', 'replicas', 'time-shift-gb'] as const;

/** Load `nameOrPath`: a bundled name, else a JSON file. Throws LabScenarioError with one line. */
export async function loadScenario(nameOrPath: string): Promise<LabScenario> {
  const bundled = (BUNDLED_SCENARIOS as readonly string[]).includes(nameOrPath);
  const file = bundled ? path.join(BUNDLED_SCENARIO_DIR, `${nameOrPath}.json`) : path.resolve(nameOrPath);
  if (!existsSync(file)) throw new LabScenarioError(`no scenario "${nameOrPath}": not a bundled name (${BUNDLED_SCENARIOS.join(', ')}) and no such file`);
  const text = await readFile(file, 'utf8');
  return parseLabScenarioText(text, path.basename(file, '.json'));
}
