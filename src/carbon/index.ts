/**
 * Public surface of src/carbon (pure: Node, pages and workers). The IndexedDB cache store is not
 * re-exported: import `./idb-intensity-store` from browser code only.
 */
export * from './intensity';
export * from './country-codes';
export * from './grid-data';
export * from './bundled-intensity';
export * from './configured-intensity';
export * from './live-fetch';
export * from './live-intensity';
export * from './intensity-cache';
export * from './resilient-intensity';
export * from './room-intensity';
export * from './time-zone-zones';
export * from './device-class';
export * from './power-model';
export * from './battery-power';
export * from './embodied-carbon';
export * from './intensity-timeline';
export * from './ledger';
export * from './tenant-budgets';
export * from './ledger-export';
export * from './format';
export * from './paper-accounting';
export * from './intensity-profile';
export * from './time-shift';
export * from './time-shift-replay';
