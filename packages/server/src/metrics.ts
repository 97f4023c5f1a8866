import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Storage } from '@omnigate/core';
import { firstSegment, RESERVED_SEGMENTS } from './compose.js';

/** Prometheus metrics of one server: HTTP traffic by protocol (first path segment) and fragment node health. */
export function createMetrics(storage: Storage) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'omnigate_process_' });
  const requests = new Counter({ name: 'omnigate_http_requests_total', help: 'HTTP requests by protocol, method and status', labelNames: ['protocol', 'method', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'omnigate_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['protocol', 'method'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [registry] });
  const bytesIn = new Counter({ name: 'omnigate_http_request_bytes_total', help: 'Request body bytes received', labelNames: ['protocol'], registers: [registry] });
  new Gauge({
    name: 'omnigate_node_healthy', help: '1 when the fragment node answers healthy', labelNames: ['node'], registers: [registry],
    async collect() {
      const health = await storage.health();
      for (const node of health.nodes) this.set({ node: node.id }, node.healthy ? 1 : 0);
    },
  });

  /** Counts one request when its response finishes; plain node:http objects, so it runs with or without Express. */
  function track(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const protocol = protocolOf(req.url ?? '/');
    const method = req.method ?? 'GET';
    res.on('finish', () => {
      requests.inc({ protocol, method, status: String(res.statusCode) });
      duration.observe({ protocol, method }, Number(process.hrtime.bigint() - started) / 1e9);
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > 0) bytesIn.inc({ protocol }, length);
    });
  }

  function middleware(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    track(req, res);
    next();
  }

  return { registry, track, middleware };
}

export type Metrics = ReturnType<typeof createMetrics>;

const PROTOCOLS: ReadonlySet<string> = new Set(RESERVED_SEGMENTS);
function protocolOf(url: string): string {
  const first = firstSegment(url);
  return PROTOCOLS.has(first) ? first : 's3';
}
