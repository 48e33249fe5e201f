/**
 * The panel's refusal table, row by row, over real HTTP: a stand-in answers a
 * purchase and a renewal exactly as each row of the reference's gateway error
 * list, and each is refused as the row says; anything the list does not
 * name is ambiguous on a money POST.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProxyPanelClient, type ProxyPanelClient } from '../../src/providers/proxy-panel/client.js';
import { PANEL_MONEY_REFUSALS } from '../../src/providers/proxy-panel/refusals.js';
import { FaultPlan, startSimServer, type RunningSimulator, type SimResponse } from '../../src/sandbox/upstreams/sim-server.js';

let stub: RunningSimulator;
let reply: SimResponse;
let client: ProxyPanelClient;

beforeEach(async () => {
  stub = await startSimServer(() => reply, new FaultPlan());
  client = createProxyPanelClient({ apiKey: 'rk_test_key_0123456789', baseUrl: stub.url, timeoutMs: 2_000 });
});
afterEach(async () => {
  await stub.close();
});

/** A message the gateway could send for each row (the reference lists them, it shows no body). */
const SAMPLE_MESSAGE: Record<string, string> = {
  '400': 'Missing or invalid planId',
  '401': 'Unauthorized',
  '402': 'Insufficient balance',
  '403': 'Forbidden',
  '404': 'Subscription not found',
  '409:out_of_stock': 'Sold out',
  '409:invalid_option': 'Plan is inactive',
  '409:rejected': 'Invalid subscription state',
};

const purchase = () => client.purchase({ planId: 'k17m3q5v7n9p1r2t4w6y8z0a', repeatCount: 1, quantity: 1 });
const renew = () => client.renew({ subscriptionId: 'j97b2f6m1k4n8p3r5t7v9x0z', planId: 'k17m3q5v7n9p1r2t4w6y8z0a', repeatCount: 1 });

describe('proxy-panel: each documented gateway error refuses a money POST', () => {
  it.each(PANEL_MONEY_REFUSALS.map((row) => ({ ...row, name: `${row.status} → ${row.refusal}` })))('$name', async (row) => {
    expect(row.documented).toMatch(/Gateway errors/);
    const message = SAMPLE_MESSAGE[row.status === 409 ? `409:${row.refusal}` : String(row.status)]!;
    reply = { status: row.status, body: { ok: false, error: message } };
    expect(await purchase()).toMatchObject({ kind: 'refused', code: row.refusal, httpStatus: row.status });
    expect(await renew()).toMatchObject({ kind: 'refused', code: row.refusal, httpStatus: row.status });
  });

  it('a 409 with no message is still a documented refusal', async () => {
    reply = { status: 409, body: {} };
    expect(await purchase()).toMatchObject({ kind: 'refused', code: 'rejected', httpStatus: 409 });
  });
});

describe('proxy-panel: what the gateway list does not name is ambiguous on a money POST', () => {
  it.each([
    { status: 500, body: { ok: false, error: 'Internal error' }, reason: 'server_error' },
    { status: 502, body: 'Bad gateway', reason: 'server_error' },
    { status: 503, body: { ok: false, error: 'Sold out' }, reason: 'server_error' },
    { status: 422, body: { ok: false, error: 'Unprocessable' }, reason: 'undocumented' },
    { status: 429, body: { ok: false, error: 'Too many requests' }, reason: 'undocumented' },
    { status: 200, body: { ok: false, error: 'Sold out' }, reason: 'undocumented' },
    { status: 200, body: { ok: true, subscriptionIds: 'not a list', endAt: 'soon' }, reason: 'malformed' },
  ])('$status $body → ambiguous $reason', async ({ status, body, reason }) => {
    reply = { status, body };
    expect(await purchase()).toMatchObject({ kind: 'ambiguous', reason });
    expect(await renew()).toMatchObject({ kind: 'ambiguous', reason });
  });
});
