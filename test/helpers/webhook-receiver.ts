/**
 * A customer's webhook receiver on 127.0.0.1 (port 0): it answers each
 * request as scripted (a status, or never until released) and records what
 * it got, so tests can verify signatures the way a customer would.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A status to answer with, or 'hang': answer nothing until `releaseHanging`. */
export type ReceiverAnswer = number | 'hang';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Answers for the next requests, in order; after them every request gets `fallback`. */
  script(...answers: ReceiverAnswer[]): void;
  fallback: ReceiverAnswer;
  /** Answers every request still hanging with this status. */
  releaseHanging(status?: number): void;
  close(): Promise<void>;
}

export async function startReceiver(fallback: ReceiverAnswer = 200): Promise<WebhookReceiver> {
  const queue: ReceiverAnswer[] = [];
  const hanging: ServerResponse[] = [];
  const received: ReceivedRequest[] = [];
  const receiver = {
    url: '',
    received,
    fallback,
    script: (...answers: ReceiverAnswer[]) => void queue.push(...answers),
    releaseHanging(status = 200) {
      for (const res of hanging.splice(0)) if (!res.writableEnded && !res.destroyed) res.writeHead(status).end('ok');
    },
    close: async () => undefined as undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = queue.length > 0 ? queue.shift()! : receiver.fallback;
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/proxies`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
