export * from './keys.js';
export * from './service.js';
