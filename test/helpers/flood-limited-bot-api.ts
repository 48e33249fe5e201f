/**
 * A Bot API stand-in that only sends messages, but enforces Telegram's flood
 * limits the way a notifier meets them: at most `perSecond` accepted messages
 * in any second overall, one a second per chat, 20 a minute per group
 * (negative chat id), each with a 429 and `retry_after`, and every answer
 * after `latencyMs`. The full emulator (src/sandbox/telegram) has no limits
 * or latency; this one is small enough to hold thousands of sends a second.
 *
 * No vitest here: benchmarks import it too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';

export interface FloodLimitedBotApiOptions {
  /** All chats together, by arrival; Telegram allows about 30. */
  perSecond?: number;
  /** Simulated network and server time before each answer. */
  latencyMs?: number;
  /** Chats whose user blocked the bot: 403. */
  blockedChats?: Iterable<number>;
  /** False: accept everything (for tests on a fake clock, where real-time limits mean nothing). Default true. */
  enforceLimits?: boolean;
}

export interface AcceptedMessage {
  chatId: number;
  text: string;
  /** Arrival time, ms since the epoch. */
  at: number;
}

export interface RefusedRequest {
  chatId: number;
  text: string;
  at: number;
  errorCode: 429 | 403;
  rule?: 'global' | 'chat' | 'group' | 'planned';
}

export interface FloodLimitedBotApi {
  token: string;
  apiRoot: string;
  accepted: AcceptedMessage[];
  refused: RefusedRequest[];
  /** The next `times` sends to `chatId` answer 429 with `retryAfterS`. */
  floodChat(chatId: number, retryAfterS: number, times?: number): void;
  /** Holds every answer until `release()` (a send that never returns, as a crash would see it). */
  hold(): void;
  /** Requests that arrived and wait for `release()`. */
  heldCount(): number;
  release(): void;
  close(): Promise<void>;
}

const TOKEN = '123456:flood-limited-stand-in';

export async function startFloodLimitedBotApi(options: FloodLimitedBotApiOptions = {}): Promise<FloodLimitedBotApi> {
  const perSecond = options.perSecond ?? 30;
  const latencyMs = options.latencyMs ?? 0;
  const blocked = new Set(options.blockedChats ?? []);
  const accepted: AcceptedMessage[] = [];
  const refused: RefusedRequest[] = [];
  const recentGlobal: number[] = [];
  const lastByChat = new Map<number, number>();
  const groupTimes = new Map<number, number[]>();
  const planned = new Map<number, { retryAfterS: number; times: number }>();
  let held: (() => void)[] | undefined;
  let nextMessageId = 1;

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const send = () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const later = () => (latencyMs > 0 ? setTimeout(send, latencyMs) : send());
    if (held) held.push(later);
    else later();
  };

  const tooMany = (retryAfterS: number) => ({
    ok: false,
    error_code: 429,
    description: `Too Many Requests: retry after ${retryAfterS}`,
    parameters: { retry_after: retryAfterS },
  });

  const handleSend = (params: { chat_id?: unknown; text?: unknown }, res: ServerResponse) => {
    const chatId = Number(params.chat_id);
    const text = String(params.text ?? '');
    const at = Date.now();
    if (blocked.has(chatId)) {
      refused.push({ chatId, text, at, errorCode: 403 });
      return answer(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    }
    const plan = planned.get(chatId);
    if (plan) {
      if (--plan.times <= 0) planned.delete(chatId);
      refused.push({ chatId, text, at, errorCode: 429, rule: 'planned' });
      return answer(res, 429, tooMany(plan.retryAfterS));
    }
    while (recentGlobal.length > 0 && recentGlobal[0]! <= at - 1_000) recentGlobal.shift();
    const group = chatId < 0 ? (groupTimes.get(chatId) ?? []).filter((t) => t > at - 60_000) : [];
    const rule =
      options.enforceLimits === false
        ? undefined
        : recentGlobal.length >= perSecond
          ? 'global'
          : at - (lastByChat.get(chatId) ?? -Infinity) < 1_000
            ? 'chat'
            : group.length >= 20
              ? 'group'
              : undefined;
    if (rule) {
      refused.push({ chatId, text, at, errorCode: 429, rule });
      return answer(res, 429, tooMany(rule === 'group' ? 3 : 1));
    }
    recentGlobal.push(at);
    lastByChat.set(chatId, at);
    if (chatId < 0) groupTimes.set(chatId, [...group, at]);
    accepted.push({ chatId, text, at });
    const chat = chatId < 0 ? { id: chatId, type: 'group', title: 'group' } : { id: chatId, type: 'private', first_name: 'user' };
    return answer(res, 200, { ok: true, result: { message_id: nextMessageId++, date: Math.floor(at / 1000), chat, text } });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      if (!match || match[1] !== TOKEN) return answer(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      if (match[2]!.toLowerCase() !== 'sendmessage') {
        return answer(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
      }
      let params: { chat_id?: unknown; text?: unknown };
      try {
        params = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof params;
      } catch {
        return answer(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
      }
      handleSend(params, res);
    });
  });
  // Hundreds of concurrent keep-alive sockets at most; the defaults suit that.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const release = () => {
    const waiting = held ?? [];
    held = undefined;
    for (const send of waiting) send();
  };
  return {
    token: TOKEN,
    apiRoot: `http://127.0.0.1:${port}`,
    accepted,
    refused,
    floodChat(chatId, retryAfterS, times = 1) {
      planned.set(chatId, { retryAfterS, times });
    },
    hold() {
      held ??= [];
    },
    heldCount() {
      return held?.length ?? 0;
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FloodLimitedBotApiThread {
  token: string;
  apiRoot: string;
  /** What arrived so far. */
  log(): Promise<{ accepted: AcceptedMessage[]; refused: RefusedRequest[] }>;
  close(): Promise<void>;
}

/** The same stand-in on a worker thread, for measuring: its arrival times are its own. */
export async function startFloodLimitedBotApiThread(options: FloodLimitedBotApiOptions = {}): Promise<FloodLimitedBotApiThread> {
  const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), {
    workerData: {
      entry: new URL('./flood-limited-bot-api.worker.ts', import.meta.url).href,
      options: { ...options, ...(options.blockedChats ? { blockedChats: [...options.blockedChats] } : {}) },
    },
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(message as T);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const ready = await next<{ token: string; apiRoot: string }>('ready');
  return {
    token: ready.token,
    apiRoot: ready.apiRoot,
    async log() {
      const answer = next<{ accepted: AcceptedMessage[]; refused: RefusedRequest[] }>('log');
      worker.postMessage({ type: 'log' });
      const { accepted, refused } = await answer;
      return { accepted, refused };
    },
    async close() {
      const closed = next('closed');
      worker.postMessage({ type: 'close' });
      await closed;
      await worker.terminate();
    },
  };
}
