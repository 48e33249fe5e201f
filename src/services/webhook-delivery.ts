/**
 * One webhook POST: with a total deadline, no redirects followed and the
 * answer's body never read, so a slow, chatty or hostile receiver costs
 * the shop at most one timeout.
 *
 * Plain `node:http(s)` rather than fetch: its `lookup` option lets the
 * address guard judge the very address the socket connects to.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPublicAddress } from './url-guard.js';

export const SIGNATURE_HEADER = 'X-Webhook-Signature';
export const ID_HEADER = 'X-Webhook-Id';
export const EVENT_HEADER = 'X-Webhook-Event';
const USER_AGENT = 'ProxyStorefront-Webhooks/1';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the endpoint's secret>`.
 * The timestamp is inside the signed text, so a receiver that refuses old
 * timestamps (we suggest five minutes) cannot be fed a recorded request later.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export type PostOutcome =
  | { kind: 'answered'; status: number; durationMs: number }
  | { kind: 'no_answer'; error: string; durationMs: number };

export interface PostInput {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Sandbox and tests: connect to loopback and private networks too. */
  allowPrivate: boolean;
}

export function postWebhook(input: PostInput): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const url = new URL(input.url);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    // Literal addresses never go through `lookup`, so they are judged here.
    if (!input.allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
      resolve({ kind: 'no_answer', error: 'refused: the URL points to a private, loopback or reserved address', durationMs: 0 });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(input.body)),
        'User-Agent': USER_AGENT,
        ...input.headers,
      },
      // A fresh connection per delivery: no pooled socket to one customer's host serves another's.
      agent: false,
      ...(input.allowPrivate ? {} : { lookup: guardedLookup }),
    });
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ kind: 'no_answer', error: `timed out after ${input.timeoutMs} ms`, durationMs: elapsed() });
    }, input.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EWEBHOOKPRIVATE' ? `refused: ${error.message}` : (error.code ?? error.message);
      finish({ kind: 'no_answer', error: reason, durationMs: elapsed() });
    });
    req.on('response', (res: IncomingMessage) => {
      // The status is the whole answer: the body is not read, so a receiver that trickles one costs nothing.
      finish({ kind: 'answered', status: res.statusCode ?? 0, durationMs: elapsed() });
      req.destroy();
    });
    req.end(input.body);
  });
}
