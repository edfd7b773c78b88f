import type { CliCommand } from '../command';

/** `carbonedge start` (being written). */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'serve the app and the PeerJS signaling server',
  async run() {
    return 0;
  },
};
