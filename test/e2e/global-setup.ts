/** Build the app once before the browser tests, and fail early with a clear message without Chromium. */
import { build } from 'vite';
import { findChromium } from '../helpers/browser';
import { ROOT } from '../helpers/app-server';

export default async function setup(): Promise<void> {
  findChromium();
  await build({ root: ROOT, logLevel: 'warn' });
}
