/** What the server tells pages about itself (signaling/server.ts, GET /api/config). */
export interface AppConfig {
  readonly localUrl: string;
  /** Base URLs on the machine's LAN addresses. */
  readonly lanUrls: readonly string[];
  /** PeerJS mount path. */
  readonly peerPath: string;
  /** PeerJS key the server requires (signaling/server.ts); absent from older servers. */
  readonly peerKey?: string;
  readonly https: boolean;
}

/** Fetch the config, or fall back to this page's own origin (e.g. under `vite` dev). */
export async function loadAppConfig(): Promise<AppConfig> {
  try {
    const response = await fetch('/api/config');
    if (response.ok) return (await response.json()) as AppConfig;
  } catch {
    // No server config (static hosting): use the page's own origin below.
  }
  return { localUrl: location.origin, lanUrls: [], peerPath: '/peerjs', https: location.protocol === 'https:' };
}

/** PeerJS connection settings for this page's origin. */
export function signalingFor(config: AppConfig) {
  const secure = location.protocol === 'https:';
  return {
    host: location.hostname,
    port: Number(location.port) || (secure ? 443 : 80),
    path: config.peerPath,
    ...(config.peerKey ? { key: config.peerKey } : {}),
    secure,
    iceServers: [] as RTCIceServer[],
  };
}
