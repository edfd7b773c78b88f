/** Page entry: one element; the URL decides coordinator or node (src/ui/ce-app.ts). */
import './ui/ce-app';

window.addEventListener('unhandledrejection', (event) => console.error('carbonedge: unhandled rejection', event.reason));
