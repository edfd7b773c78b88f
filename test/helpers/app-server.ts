/** Start the real CarbonEdge server (signaling + built app) on a free port for a test. */
import path from 'node:path';
import { startServer, type RunningServer } from '../../signaling/server';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Serve dist/ (built by test/e2e/global-setup.ts), or `staticDir`, on every interface with a random port. */
export function startAppServer(staticDir = path.join(ROOT, 'dist'), options: { https?: boolean; certDir?: string } = {}): Promise<RunningServer> {
  return startServer({ staticDir, port: 0, host: '0.0.0.0', ...options });
}
