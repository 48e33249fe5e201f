/**
 * Request and answer headers for the middlewares every request passes.
 *
 * Under Node's HTTP server (`@hono/node-server`) they work on Node's own
 * request and response: the request's headers are the plain object Node has
 * already parsed, and an answer header is set on the response, where Node
 * merges it with whatever headers the answer itself brings (the answer's own
 * win). Going through Hono instead would build a fetch `Headers` object for
 * the request at the first header read, and another for the answer at the
 * first header set, and then copy it back out for Node: together more than
 * a tenth of what a `GET /api/v1/balance` costs.
 *
 * Elsewhere (`app.request()` in tests, another runtime) they fall back to
 * Hono's `c.req.header` and `c.header`, with the same effect on answers built
 * through the context (`c.json`, the error handler); only Node's merge also
 * reaches a raw `Response` a route returns.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';

/** What `@hono/node-server` hands the app as its environment. */
interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

const nodeBindingsOf = (c: Context): NodeBindings | undefined => c.env as NodeBindings | undefined;

/**
 * A request header, or undefined. `name` is lower case, as Node keys them.
 * A header sent twice reads as Node joins it: a list for most, the first
 * for those that cannot repeat (Authorization, Content-Type, Content-Length…).
 */
export function requestHeader(c: Context, name: Lowercase<string>): string | undefined {
  const incoming = nodeBindingsOf(c)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * A header on the answer this request ends with, whichever it is: a route's
 * answer, a refusal, the error handler's 500. An answer that sets the same
 * header itself keeps its own.
 */
export function setAnswerHeader(c: Context, name: string, value: string): void {
  const outgoing = nodeBindingsOf(c)?.outgoing;
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}
