/**
 * A real HTTP webhook receiver for tests. It verifies X-ZiB-Signature with the ZiB docs' own code ("Verifying
 * signatures") and answers 401 when it does not match; `failNext` makes it answer 500 that many times first.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  event: string;
  payload: Record<string, any>;
  body: string;
  headers: http.IncomingHttpHeaders;
  verified: boolean;
  status: number;
}

export interface Receiver {
  url: string;
  /** Every request, including refused ones. */
  requests: Received[];
  /** Accepted (2xx) requests. */
  accepted(): Received[];
  failNext: number;
  /** When set, only requests it accepts count against `failNext`. */
  failOnly?: (payload: Record<string, any>) => boolean;
  secret: string;
  waitFor(predicate: (r: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(secret: string, port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const receiver: Receiver = {
    url: '', requests, failNext: 0, secret,
    accepted: () => requests.filter((r) => r.status === 200),
    async waitFor(predicate, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > until) throw new Error(`receiver: condition not met; got ${JSON.stringify(requests.map((r) => [r.event, r.status]))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    // --- the docs' verification code, verbatim in substance ---
    const body = Buffer.concat(chunks).toString('utf8');
    const sig = req.headers['x-zib-signature'];
    const expected = 'sha256=' + crypto.createHmac('sha256', receiver.secret).update(body).digest('hex');
    const verified = sig === expected;
    // ---
    let status = verified ? 200 : 401;
    const payload = JSON.parse(body) as Record<string, any>;
    if (verified && receiver.failNext > 0 && (receiver.failOnly?.(payload) ?? true)) {
      receiver.failNext -= 1;
      status = 500;
    }
    requests.push({ event: String(req.headers['x-zib-event']), payload, body, headers: req.headers, verified, status });
    res.writeHead(status).end(status === 200 ? 'OK' : 'no');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
