/**
 * A Hono router that hands Hono each request's middlewares and handler as
 * one handler, run without a promise wherever every step answers at once.
 *
 * Why: Hono runs a request that matches several handlers (the request-id
 * middleware, the API gate, a scope check, the route) through its `compose`,
 * where every step is an async function. A `GET /api/v1/balance` made two
 * dozen promises that way, and while an `AsyncLocalStorage` is in use (the
 * logger's request context) each one also runs Node's async hooks. A request
 * that matches a single handler takes Hono's direct path instead, with none
 * of that. So this router gives Hono one handler per match: the matched
 * handlers, chained with `compose`'s own rules (below), and a promise only
 * when a step really returns one.
 *
 * `compose`'s rules, kept:
 * - each step gets a `next` that runs the rest; calling it twice is an error;
 * - an `Error` thrown (or rejected) by a step becomes the app's error
 *   handler's answer at that step, so the steps around it still see the
 *   answer and its status, as they do with `await next()`;
 * - a step's returned Response becomes the answer unless one is already set;
 * - past the last step comes Hono's own `next`, its not-found answer;
 * - a request that ends without an answer is the same error `compose` throws.
 *
 * What Hono sees changes in two ways, both harmless here: `matchedRoutes(c)`
 * lists one route, the one the request was for (see `routeOfMatch`), and
 * every step reads the route's path parameters.
 *
 * It also keeps the results of the last thousand paths asked for (up to 256
 * characters long): a repeat request (a client polling its balance) skips
 * the inner router's search.
 */
import type { Context, ErrorHandler, Next } from 'hono';
import type { ParamIndexMap, Params, Result, Router } from 'hono/router';
import type { RouterRoute } from 'hono/types';

/** A step as Hono stores it: a middleware or a handler; the result is a Response, nothing, or a promise of either. */
type Step = (c: Context, next: Next) => unknown;
/** What Hono adds to its router for each route: the step and its route record. */
type Entry = [Step, RouterRoute];

export interface FlatChainRouterOptions {
  /** The app's error handler (give the app the same one with `app.onError`): a failing step's answer. */
  errorHandler: ErrorHandler;
}

/** How many paths' match results are kept. Hono reads a result without changing it, so requests can share one. */
const RECENT_PATHS = 1_000;
/** Longer paths are matched every time: kept, a thousand long ones could hold megabytes. The API's are far shorter. */
const LONGEST_KEPT_PATH = 256;

export class FlatChainRouter implements Router<Entry> {
  readonly name: string;
  /** One chained entry per distinct list of matched entries: bounded by the routes, whatever the paths asked for. */
  private readonly chains = new Map<string, Entry>();
  /** The latest paths' results, as the inner router's search costs more than the rest of a cheap request's routing. */
  private readonly recent = new Map<string, Result<Entry>>();
  private readonly ids = new WeakMap<Entry, number>();
  private nextId = 0;

  constructor(
    private readonly inner: Router<Entry>,
    private readonly options: FlatChainRouterOptions,
  ) {
    this.name = `FlatChainRouter(${inner.name})`;
  }

  add(method: string, path: string, entry: Entry): void {
    this.ids.set(entry, this.nextId++);
    this.inner.add(method, path, entry);
  }

  match(method: string, path: string): Result<Entry> {
    if (path.length > LONGEST_KEPT_PATH) return this.flattened(this.inner.match(method, path));
    const key = `${method} ${path}`;
    let result = this.recent.get(key);
    if (!result) {
      result = this.flattened(this.inner.match(method, path));
      // Paths carry ids, so the set of paths is open: forget the oldest beyond a bound.
      if (this.recent.size >= RECENT_PATHS) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(key, result);
    }
    return result;
  }

  private flattened(result: Result<Entry>): Result<Entry> {
    const matched = result[0];
    if (matched.length < 2) return result;
    const entries = matched.map(([entry]) => entry);
    // Each step may read its own parameters; they all come from the one path, so the union serves them all.
    const params = Object.assign({}, ...matched.map(([, stepParams]) => stepParams)) as Params & ParamIndexMap;
    const chained: [Entry, Params & ParamIndexMap] = [this.chainOf(entries), params];
    return result.length === 2 ? [[chained], result[1]] : [[chained]];
  }

  private chainOf(entries: Entry[]): Entry {
    const key = entries.map((entry) => this.ids.get(entry)).join(',');
    let chain = this.chains.get(key);
    if (!chain) {
      chain = [
        chainSteps(
          entries.map(([step]) => step),
          this.options.errorHandler,
        ),
        // The route the request was for, so `matchedRoutes` still names it; failing that, the last middleware's.
        routeOfMatch(entries.map(([, route]) => route)) ?? entries[entries.length - 1]![1],
      ];
      this.chains.set(key, chain);
    }
    return chain;
  }
}

/** Hono wraps a sub-app's handlers with its error handler when mounting it, and marks the original so. */
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

/** The step itself, under any wrapping Hono added when mounting it. */
function unwrapped(step: (...args: never[]) => unknown): (...args: never[]) => unknown {
  const inner = (step as unknown as Record<string, unknown>)[COMPOSED_HANDLER];
  return typeof inner === 'function' ? unwrapped(inner as (...args: never[]) => unknown) : step;
}

/** Hono's own test for a middleware (hono/dev): the step, unwrapped, takes `next`. */
function isMiddleware(step: (...args: never[]) => unknown): boolean {
  return unwrapped(step).length >= 2;
}

/**
 * The route a request was meant for: the first matched route whose step is
 * a handler rather than a middleware, even when a middleware (authentication,
 * a rate limit) answered. None when only middlewares matched.
 */
export function routeOfMatch(routes: readonly RouterRoute[]): RouterRoute | undefined {
  return routes.find((route) => !isMiddleware(route.handler));
}

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

/**
 * For a middleware with work after the rest of the request: runs `after`
 * once `rest` (what `next()` returned) is done, at once when it already is,
 * so a request answered at once makes no promise here either.
 */
export function afterRest<T>(rest: unknown, after: () => T): T | Promise<T> {
  return isPromise(rest) ? rest.then(after) : after();
}

function chainSteps(steps: readonly Step[], onError: ErrorHandler): Step {
  return (c, honoNext) => new ChainRun(c, steps, honoNext, onError).answer();
}

/** One request's way through the steps; a class, so a request makes no functions beyond each step's `next`. */
class ChainRun {
  private calledUpTo = -1;

  constructor(
    private readonly c: Context,
    private readonly steps: readonly Step[],
    private readonly honoNext: Next,
    private readonly onError: ErrorHandler,
  ) {}

  answer(): Response | Promise<Response> {
    const done = this.run(0);
    return isPromise(done) ? done.then(() => this.finish()) : this.finish();
  }

  private run(index: number): Context | Promise<Context> {
    if (index <= this.calledUpTo) throw new Error('next() called multiple times');
    this.calledUpTo = index;
    const step: Step = index < this.steps.length ? this.steps[index]! : this.honoNext;
    let answer: unknown;
    try {
      // Hono types `next` as a promise; this one returns the context at once when the rest answered at once,
      // which a step that awaits it cannot tell apart.
      answer = step(this.c, (() => this.run(index + 1)) as unknown as Next);
    } catch (error) {
      return this.fail(error);
    }
    return isPromise(answer)
      ? answer.then(
          (settled) => this.settle(settled, false),
          (error) => this.fail(error),
        )
      : this.settle(answer, false);
  }

  /** Sets the answer a step gave, unless one is already set (an error handler's answer always is). */
  private settle(answer: unknown, fromErrorHandler: boolean): Context {
    if (answer && (!this.c.finalized || fromErrorHandler)) this.c.res = answer as Response;
    return this.c;
  }

  private fail(error: unknown): Context | Promise<Context> {
    if (!(error instanceof Error)) throw error;
    this.c.error = error;
    const answer = this.onError(error, this.c);
    return isPromise(answer) ? answer.then((settled) => this.settle(settled, true)) : this.settle(answer, true);
  }

  private finish(): Response {
    if (!this.c.finalized) throw new Error('Context is not finalized. Did you forget to return a Response object or `await next()`?');
    return this.c.res;
  }
}
