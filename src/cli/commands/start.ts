import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../signaling/server';
import { flagBool, flagNumber, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';

const spec: Record<string, FlagSpec> = {
  port: { type: 'string', help: 'TCP port (default 8080; 0 = any free port)' },
  host: { type: 'string', help: 'interface to bind (default 0.0.0.0, reachable from the LAN)' },
  https: { type: 'boolean', help: 'serve HTTPS with a self-signed certificate (phones need it for threads/WebGPU)' },
  dist: { type: 'string', help: 'folder of the built app (default dist/)' },
};

/** `carbonedge start`: serve the app and signaling until Ctrl-C. */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'serve the app and the PeerJS signaling server (what `npm start` runs)',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (args.flags.help) {
      io.out(helpText('carbonedge start [--port N] [--host H] [--https]', this.summary, spec));
      return 0;
    }
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const port = flagNumber(args, 'port', { min: 0, max: 65535, integer: true }) ?? Number(process.env.PORT ?? 8080);
    const server = await startServer({
      staticDir: path.resolve(flagString(args, 'dist') ?? path.join(root, 'dist')),
      port,
      host: flagString(args, 'host') ?? '0.0.0.0',
      https: flagBool(args, 'https'),
      certDir: path.join(root, '.cache/cert'),
    });
    if (args.flags.json) {
      io.out(JSON.stringify({ coordinatorUrl: `${server.localUrl}/`, lanUrls: server.lanUrls, port: server.port }));
    } else {
      io.out(`CarbonEdge is running.`);
      io.out(`  coordinator: ${server.localUrl}/`);
      for (const url of server.lanUrls) io.out(`  on the LAN:  ${url}/  (the coordinator page shows the join URL and QR code)`);
      if (server.certificate) {
        const made = server.certificate.origin === 'reused' ? 'reused' : `made anew (${server.certificate.origin})`;
        io.out(`  certificate: ${server.certificate.dir}/cert.pem, SHA-256, ${made}; delete that folder to renew it.`);
        io.out(`  phones: the first visit shows a certificate warning; accept it once (Advanced -> Proceed).`);
      }
      if (!flagBool(args, 'https') && server.lanUrls.length > 0) {
        io.out(`  note: phones on plain http get no crossOriginIsolated, threads or WebGPU; use --https for those.`);
      }
      io.out(`Ctrl-C stops it.`);
    }
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.stop();
    return 0;
  },
};
