/** The browser launcher lives in src/lab/browser.ts (the lab CLI uses it too); tests import it from here. */
export { CHROMIUM_FLAGS, findChromium, launchBrowser, watchPageErrors } from '../../src/lab/browser';
