/**
 * Request and answer headers for the middlewares every request passes.
 *
 * Under Node's HTTP server (`@hono/node-server`) they work on Node's own
 * request and response: the request's headers are the plain object Node has
 * already parsed, and an answer header is kept on the response (see
 * `AnswerResponse`) and written with whatever headers the answer itself
 * brings (the answer's own win). Going through Hono instead would build a
 * fetch `Headers` object for the request at the first header read, and
 * another for the answer at the first header set, and then copy it back out
 * for Node: together more than a tenth of what a `GET /api/v1/balance` costs.
 *
 * Elsewhere (`app.request()` in tests, another runtime) they fall back to
 * Hono's `c.req.header` and `c.header`, with the same effect on answers built
 * through the context (`c.json`, the error handler); only Node's merge also
 * reaches a raw `Response` a route returns.
 */
import { type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
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
  if (outgoing instanceof AnswerResponse && !outgoing.headersSent) outgoing.addAnswerHeader(name, value);
  else if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/**
 * Node's response, keeping the headers set with `setAnswerHeader` in a plain
 * object until the answer is written, and then handing them to Node's
 * `writeHead` together with the answer's own. The shop's HTTP server makes
 * its responses with this class (see `withAnswerResponses`).
 *
 * Why: each `setHeader` on Node's response checks the header and files it in
 * a table of the response's own; and once that table exists, Node's
 * `writeHead` files each of the answer's headers there too before writing
 * any. Given all of them at once, Node checks each once and writes them. For
 * the four headers every API answer carries, that saved 2–8 µs of the
 * 56–68 µs a `GET /api/v1/balance` cost the server.
 *
 * Names are kept in lower case, as the answer's own headers come from Hono,
 * so an answer's own header of the same name replaces ours.
 */
export class AnswerResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  private pending: Record<string, string> | undefined = undefined;

  addAnswerHeader(name: string, value: string): void {
    this.pending ??= {};
    this.pending[name.toLowerCase()] = value;
  }

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    const pending = this.pending;
    this.pending = undefined;
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    let given = typeof reasonOrHeaders === 'string' ? headers : reasonOrHeaders;
    if (pending && !Array.isArray(given)) {
      // Headers the answer set on Node's own table win as well: Node lays what it is given over that table.
      for (const name in pending) if (this.hasHeader(name)) delete pending[name];
      // Ours first, the answer's own over them; merged into our object, never the answer's, which a route may reuse.
      for (const name in given) pending[name.toLowerCase()] = given[name] as string;
      given = pending;
    } else if (pending) {
      // Headers given as a flat list: ours through Node's own table, where the list's own still win.
      for (const name in pending) if (!this.hasHeader(name)) this.setHeader(name, pending[name]!);
    }
    return reason === undefined ? super.writeHead(statusCode, given) : super.writeHead(statusCode, reason, given);
  }
}

/** `@hono/node-server`'s `serve` options with the responses made as `AnswerResponse`s: how the shop serves HTTP. */
export function withAnswerResponses<Options extends object>(
  options: Options,
): Options & { serverOptions: { ServerResponse: typeof ServerResponse } } {
  return { ...options, serverOptions: { ServerResponse: AnswerResponse as typeof ServerResponse } };
}
