export { loadConfig, configSchema, ConfigError, parseSize, type OmnigateConfig } from './config.js';
export { composeStorage, RESERVED_SEGMENTS, DEFAULT_TENANT, type ComposedStorage } from './compose.js';
export { createApp, createRequestListener, type AppOptions, type NodeHandler } from './app.js';
export { startServer, createLogger, type RunningServer } from './serve.js';
