/**
 * What GateProxy's API reference (seed 004, "Error format and codes") says
 * about a failed `POST /orders`, as data.
 *
 * `POST /orders` is GateProxy's only money POST ("The API deducts balance,
 * creates or delivers the proxy, records the order, and returns
 * credentials"). Only the rows below are refusals: each is an error the
 * reference lists for a request that was turned away before any of that
 * happened. Every other answer — another status, another code (e.g.
 * `internal_error`), any 5xx, a 2xx we cannot read — is ambiguous, because
 * GateProxy may have charged us and recorded an order; the reconciler then
 * looks for it in the order history.
 */
import type { RefusalTable } from '../refusals.js';

export const GATEPROXY_ORDER_REFUSALS: RefusalTable = [
  {
    status: 401,
    code: 'unauthorized',
    refusal: 'unauthorized',
    documented: '401 unauthorized: "Missing, invalid, or revoked token." Action: "Generate a new token."',
  },
  {
    status: 404,
    code: 'provider_not_found',
    refusal: 'invalid_option',
    documented: '404 provider_not_found: "Provider ID is invalid." Action: "Use a valid provider ID."',
  },
  {
    status: 400,
    code: 'invalid_plan',
    refusal: 'invalid_option',
    documented: '400 invalid_plan: "Plan does not exist." Action: "Load pricing first."',
  },
  {
    status: 400,
    code: 'invalid_json',
    refusal: 'rejected',
    documented: '400 invalid_json: "Request body is not valid JSON." Action: "Set JSON body and content type."',
  },
  {
    status: 402,
    code: 'insufficient_balance',
    refusal: 'insufficient_upstream_balance',
    documented: '402 insufficient_balance: "Account balance is too low." Action: "Deposit funds."',
  },
  {
    // Our orders to GateProxy are serialized, so this is an order placed
    // elsewhere on the same account; ours was not started.
    status: 409,
    code: 'order_processing',
    refusal: 'busy',
    documented: '409 order_processing: "Another order is running." Action: "Retry after a few seconds."',
  },
];

/**
 * Codes the reference lists that are deliberately NOT refusals of an order,
 * with the reason, so the table's gaps are decisions rather than omissions.
 */
export const GATEPROXY_ORDER_CODES_KEPT_AMBIGUOUS: ReadonlyArray<{ status: number; code: string; why: string }> = [
  {
    status: 502,
    code: 'provider_error',
    why:
      '502 provider_error: "Provider or stock issue." Action: "Check stock or retry later." A gateway error ' +
      'cannot prove its own upstream sold nothing; the reconciler finds no new order and then releases the money.',
  },
  {
    status: 404,
    code: 'order_not_found',
    why: '"Order ID not found for this token." is an answer to reading an order, not to placing one.',
  },
  {
    status: 404,
    code: 'proxy_not_found',
    why: '"Usage check target not found." is an answer of the usage check, not of placing an order.',
  },
  {
    status: 400,
    code: 'usage_not_available',
    why: '"Provider has no API usage checker." is an answer of the usage check, not of placing an order.',
  },
];
