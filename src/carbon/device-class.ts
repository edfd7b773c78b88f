/**
 * Guess a device class and CPU family from what a browser exposes (navigator.userAgent, platform,
 * hardwareConcurrency, deviceMemory, maxTouchPoints, optionally the WebGL renderer string). Pure:
 * the caller reads navigator and passes plain values, so this runs in Node and workers too.
 *
 * Browsers never say laptop vs desktop, and Macs report "Intel Mac OS X" even on Apple silicon;
 * `basis` says which clue decided, so the UI can show "guessed: laptop (no touch, 8 threads)".
 */

/** Device classes with power priors (power-model.ts). */
export type DeviceClass = 'phone' | 'tablet' | 'laptop' | 'desktop';

/** CPU family, when the browser tells. */
export type CpuArch = 'apple-silicon' | 'x86' | 'arm' | 'unknown';

/** The navigator-like hints, all optional. */
export interface DeviceHints {
  /** navigator.userAgent */
  readonly userAgent?: string;
  /** navigator.platform (e.g. `MacIntel`, `Win32`, `Linux x86_64`, `iPhone`) */
  readonly platform?: string;
  /** navigator.hardwareConcurrency (logical cores) */
  readonly hardwareConcurrency?: number;
  /** navigator.deviceMemory in GB (browsers round and cap it, usually at 8) */
  readonly deviceMemoryGb?: number;
  /** navigator.maxTouchPoints */
  readonly maxTouchPoints?: number;
  /** WebGL UNMASKED_RENDERER string when available (e.g. `Apple M2`), the one clue for Mac silicon */
  readonly gpuRenderer?: string;
}

/** A labelled guess. */
export interface DeviceGuess {
  readonly deviceClass: DeviceClass;
  readonly arch: CpuArch;
  /** Always a guess: one line naming the clues used. */
  readonly basis: string;
}

/** Logical cores from which a non-touch computer is guessed to be a desktop. */
export const DESKTOP_MIN_LOGICAL_CORES = 16;

/** Guess device class and CPU family from navigator-like hints (see the file comment). */
export function guessDeviceClass(hints: DeviceHints): DeviceGuess {
  const ua = (hints.userAgent ?? '').toLowerCase();
  const platform = (hints.platform ?? '').toLowerCase();
  const touchPoints = hints.maxTouchPoints ?? 0;
  const cores = hints.hardwareConcurrency;
  const renderer = (hints.gpuRenderer ?? '').toLowerCase();

  if (/iphone|ipod/.test(ua) || /iphone|ipod/.test(platform)) {
    return { deviceClass: 'phone', arch: 'apple-silicon', basis: 'user agent says iPhone' };
  }
  if (/ipad/.test(ua) || platform === 'ipad') {
    return { deviceClass: 'tablet', arch: 'apple-silicon', basis: 'user agent says iPad' };
  }
  const isMac = /macintosh|mac os x/.test(ua) || platform.startsWith('mac');
  if (isMac && touchPoints > 1) {
    // iPadOS Safari asks for the desktop site and reports itself as a Mac, but Macs have no touch.
    return { deviceClass: 'tablet', arch: 'apple-silicon', basis: 'Mac user agent with a touch screen (iPadOS)' };
  }
  if (/android/.test(ua)) {
    const arch: CpuArch = /x86|i686/.test(ua) ? 'x86' : 'arm';
    return /mobile/.test(ua)
      ? { deviceClass: 'phone', arch, basis: 'Android user agent with "Mobile"' }
      : { deviceClass: 'tablet', arch, basis: 'Android user agent without "Mobile"' };
  }
  if (/windows phone|mobile/.test(ua) && touchPoints > 0) {
    return { deviceClass: 'phone', arch: 'arm', basis: 'mobile user agent with touch' };
  }

  let arch: CpuArch = 'unknown';
  let archBasis = 'CPU family not told';
  if (isMac) {
    if (/apple m\d|apple gpu/.test(renderer)) [arch, archBasis] = ['apple-silicon', `GPU "${hints.gpuRenderer}"`];
    else if (/intel|amd|radeon/.test(renderer)) [arch, archBasis] = ['x86', `GPU "${hints.gpuRenderer}"`];
    else archBasis = 'Mac (Intel or Apple silicon: the user agent cannot tell)';
  } else if (/aarch64|arm64|armv\d/.test(ua) || /arm|aarch64/.test(platform)) {
    [arch, archBasis] = ['arm', 'ARM in user agent or platform'];
  } else if (/x86_64|x64|win64|wow64|amd64|i686|x86/.test(ua) || /win32|x86_64|i686/.test(platform)) {
    [arch, archBasis] = ['x86', 'x86 in user agent or platform'];
  }

  const coresText = cores === undefined ? 'cores unknown' : `${cores} threads`;
  if (!/cros/.test(ua) && cores !== undefined && cores >= DESKTOP_MIN_LOGICAL_CORES && touchPoints === 0) {
    return { deviceClass: 'desktop', arch, basis: `computer, no touch, ${coresText}; ${archBasis}` };
  }
  return { deviceClass: 'laptop', arch, basis: `computer (laptop assumed: most common), ${coresText}; ${archBasis}` };
}
