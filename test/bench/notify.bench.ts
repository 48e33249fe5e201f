/**
 * Messages per second the notifier gets through a Bot API stand-in that
 * enforces Telegram's limits (30 messages/s overall, 1/s per chat, 20/min per
 * group, 429 with retry_after beyond them), at 0 ms and 100 ms latency. The
 * baseline is the limit itself: a ratio of 1 is all Telegram allows. Lost and
 * duplicated messages are counted from what the stand-in accepted.
 *
 *   npm run bench:notify          BENCH_MESSAGES=900 by default; BENCH_SMOKE=1 for a quick run
 */
import { runNotifyWorkload, type NotifyRun } from '../helpers/notify-workload.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (SMOKE ? 20 : 900));
const LIMIT_PER_S = 30;

async function measure(latencyMs: number): Promise<NotifyRun> {
  // One chat in thirty gets several notices (per-chat spacing), plus a handful of operator alerts.
  const busyChats = Math.max(1, Math.floor(MESSAGES / 30));
  const perBusyChat = SMOKE ? 2 : 3;
  const groupAlerts = SMOKE ? 1 : 5;
  const singleChats = Math.max(0, MESSAGES - busyChats * perBusyChat - groupAlerts);
  return runNotifyWorkload({ singleChats, busyChats, perBusyChat, groupAlerts, latencyMs, perSecond: LIMIT_PER_S, timeoutMs: 300_000 });
}

const figures: Record<string, number> = {};
for (const latencyMs of [0, 100]) {
  const run = await measure(latencyMs);
  const ratio = run.msgPerS / LIMIT_PER_S;
  console.log(
    `latency ${latencyMs} ms: ${run.delivered}/${run.enqueued - 1} delivered in ${run.seconds.toFixed(1)} s, ` +
      `${run.msgPerS.toFixed(1)} msg/s (limit ${LIMIT_PER_S}, ratio ${ratio.toFixed(3)}), lost ${run.lost}, duplicated ${run.duplicated}, ` +
      `out of order ${run.outOfOrder}, 429s ${JSON.stringify(run.refused429)}, blocked user marked unreachable: ${run.blockedMarkedUnreachable}`,
  );
  const key = `latency_${latencyMs}ms`;
  figures[`${key}_msg_per_s`] = Number(run.msgPerS.toFixed(2));
  figures[`${key}_ratio`] = Number(ratio.toFixed(3));
  figures[`${key}_lost`] = run.lost;
  figures[`${key}_duplicated`] = run.duplicated;
  figures[`${key}_429_global`] = run.refused429.global;
  figures[`${key}_429_chat`] = run.refused429.chat;
  if (run.lost > 0 || run.duplicated > 0) process.exitCode = 1;
}
console.log(JSON.stringify({ messages: MESSAGES, limit_per_s: LIMIT_PER_S, ...figures }));
