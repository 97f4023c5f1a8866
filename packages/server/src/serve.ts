import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { createRequestListener } from './app.js';
import { startBackground } from './background.js';
import { createHmac } from 'node:crypto';
import { ContentIndex } from '@omnigate/core';
import { createIpfsGatewayRouter, createQsAdapter } from '@omnigate/qs';
import { createNetiksAdapter } from '@omnigate/netiks';
import { createS3Handler } from '@omnigate/s3';
import { createZibAdapter } from '@omnigate/zib';
import { createDjibAdapter } from '@omnigate/djib';
import { composeStorage, RESERVED_SEGMENTS, type ComposedStorage } from './compose.js';
import type { OmnigateConfig } from './config.js';

export interface RunningServer {
  server: Server;
  composed: ComposedStorage;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes the storage. */
  close(): Promise<void>;
}

export function createLogger(config: Pick<OmnigateConfig, 'logLevel'>): Logger {
  // Secrets never reach a log line, even if a caller logs a whole request or config.
  return pino({ level: config.logLevel, redact: { paths: ['secretKey', 'apiKey', 'kek', '*.secretKey', '*.apiKey', 'req.headers.authorization', 'req.headers["x-api-key"]'], censor: '***' } });
}

export async function startServer(config: OmnigateConfig, logger: Logger = createLogger(config)): Promise<RunningServer> {
  const composed = await composeStorage(config, logger);
  const { storage } = composed;
  const s3 = createS3Handler(storage, { trustProxy: config.trustProxy, virtualHostSuffixes: config.s3VirtualHosts, reservedFirstSegments: RESERVED_SEGMENTS, logger });
  const contentIndex = await ContentIndex.open(storage.options.metadata);
  // Download links must survive restarts and work on every gateway sharing this data: derive their key from the KEK.
  const downloadSigningKey = createHmac('sha256', storage.options.kek).update('omnigate/qs-download-links/v1').digest();
  // ZiB's webhook outbox and file watcher run in the background; close() stops them before the storage closes.
  const zib = createZibAdapter(storage, { logger });
  const adapters = [
    { path: '/zib', router: zib },
    { path: '/qs', router: createQsAdapter(storage, { contentIndex, downloadSigningKey, logger }) },
    { path: '/ipfs', router: createIpfsGatewayRouter(storage, contentIndex) },
    // Djib wallets are drive users of the default tenant: their buckets are visible to its S3 credentials.
    { path: '/djib', router: createDjibAdapter(storage, { tenant: composed.defaultTenant, contentIndex, logger, ...(config.smtpUrl ? { mail: { smtpUrl: config.smtpUrl, from: config.mailFrom } } : {}) }) },
    { path: '/netiks', router: createNetiksAdapter(storage, { maxFileSize: config.netiksMaxFileSize, logger }) },
  ];
  const app = createRequestListener({ storage, trustProxy: config.trustProxy, adapters, s3, reservedSegments: RESERVED_SEGMENTS });
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, app);
  // Node answers 100-continue itself, but 417 to any other Expect value unless told; S3 ignores unknown ones.
  server.on('checkExpectation', (req, res) => app(req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;
  const background = startBackground(storage, config, logger);

  let closing: Promise<void> | undefined;
  const close = () => closing ??= (async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => { for (const s of sockets) s.destroy(); }, config.shutdownGraceSeconds * 1000);
    await closed;
    clearTimeout(timer);
    await background.stop();
    await zib.close();
    await composed.storage.close();
  })();
  return { server, composed, url, close };
}
