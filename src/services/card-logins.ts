/**
 * Every login a proxy card gives its customer: the card's own (as delivered,
 * so a proxy bought for a target has the login built for that target,
 * purchase-targets.ts), then the login of each order bought to add traffic to
 * it (linked-orders.ts: GateProxy issues a login per order, and each one
 * works until its own traffic is used). Export, "Check" and the credentials
 * screen all read this list, so none of them leaves a login out.
 */
import type { ProxyCredentials } from '../domain/proxy-format.js';
import type { LinkedOrderRow } from './linked-orders.js';
import type { SubscriptionRow } from './order-store.js';

export interface CardLogin extends ProxyCredentials {
  /** The order that bought this login: the card's own, or the linked order's. */
  orderId: string;
  /** Bought to add traffic to the card (a linked order), not with the card. */
  addedTraffic: boolean;
}

export function cardLogins(
  delivered: Pick<SubscriptionRow, 'orderId' | 'host' | 'httpPort' | 'socks5Port' | 'login' | 'password'>,
  linked: readonly LinkedOrderRow[],
): CardLogin[] {
  const login = (p: ProxyCredentials, orderId: string, addedTraffic: boolean): CardLogin => ({
    host: p.host,
    httpPort: p.httpPort,
    socks5Port: p.socks5Port,
    login: p.login,
    password: p.password,
    orderId,
    addedTraffic,
  });
  return [login(delivered, delivered.orderId, false), ...linked.map((order) => login(order, order.orderId, true))];
}
