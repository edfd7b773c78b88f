#!/usr/bin/env node
// The `carbonedge` command. Sources are TypeScript; tsx compiles them on the fly so that the CLI
// needs no build step (the web app is the only thing that gets built, by `npm run build`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly: libraries (the PeerJS server's sweeps, onnxruntime's pools) keep timers alive.
process.exit(code);
