export * from './users.js';
export * from './ledger.js';
export * from './shop.js';
export * from './access.js';
export * from './topups.js';
export * from './operations.js';
export * from './webhooks.js';
export * from './signing.js';
