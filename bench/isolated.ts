/**
 * Benches that open WebRTC between pages must run inside a network namespace: this re-runs
 * `carbonedge bench --only NAME` through scripts/isolated.sh and forwards its lines.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Run bench NAME inside a fresh network namespace, printing its figures through `out`. */
export function runBenchIsolated(name: string, out: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts/isolated.sh'), process.execPath, 'bin/carbonedge.js', 'bench', '--only', name], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() && !line.startsWith('== bench')) out(line);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('close', (code) => {
      if (buffered.trim()) out(buffered);
      if (code !== 0) {
        out(`${name}: could not run inside a network namespace (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        out(`${name}: run it as \`scripts/isolated.sh npm run bench\` (needs root or unprivileged user namespaces)`);
      }
      resolve();
    });
  });
}
