/** Start the real CarbonEdge server (signaling + built app) on a free port for a test. */
import path from 'node:path';
import { startServer, type RunningServer } from '../../signaling/server';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Serve dist/ (built by test/e2e/global-setup.ts) on 127.0.0.1 with a random port. */
export function startAppServer(): Promise<RunningServer> {
  return startServer({ staticDir: path.join(ROOT, 'dist'), port: 0, host: '0.0.0.0' });
}
