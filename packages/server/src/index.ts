export { main } from './cli/main.js';
export { DEFAULT_CONFIG, loadConfig, OPTIONS, type ServerConfig } from './config/config.js';
export { type CreateServerOptions, createServer, type VigilServer } from './http/app.js';
export { LiveHub } from './http/live.js';
export { type StartedServer, type StartServerOptions, startServer } from './http/start.js';
