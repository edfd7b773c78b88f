/** Build the app once before the browser tests, and fail early with a clear message without Chromium. */
import { build } from 'vite';
import { findChromium } from '../helpers/browser';
import { ROOT } from '../helpers/app-server';

export default async function setup(): Promise<void> {
  findChromium();
  // Vitest sets NODE_ENV=test, which would make Vite pick libraries' development builds (Lit's dev
  // mode): build exactly what `npm start` serves.
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: ROOT, mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = previous;
  }
}
