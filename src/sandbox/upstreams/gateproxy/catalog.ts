/**
 * The simulated GateProxy catalog: the six providers of the API reference,
 * each with plans priced in USDT. Deterministic, so tests can compute costs.
 * Plan values mix the two documented styles ("1" and "1GB") on purpose: the
 * simulator only accepts a plan value exactly as pricing lists it.
 */

export interface SimPlan {
  /** Display amount, e.g. "120 MB". */
  traffic: string;
  /** The value an order must send back. */
  plan: string;
  /** USDT, as GateProxy quotes it. */
  price: number;
  /** Traffic in decimal megabytes (1 GB = 1000 MB), for usage counters. */
  trafficMb: number;
}

export interface SimProvider {
  id: string;
  name: string;
  /** Whether GateProxy can report traffic usage through the API. */
  usageApi: boolean;
  gatewayHost: string;
  gatewayPort: number;
  plans: SimPlan[];
}

const plan = (traffic: string, planValue: string, price: number, trafficMb: number): SimPlan => ({
  traffic,
  plan: planValue,
  price,
  trafficMb,
});

export function defaultGateProxyCatalog(): SimProvider[] {
  return [
    {
      id: 'abcproxy',
      name: 'ABC Proxy',
      usageApi: true,
      gatewayHost: 'na.abcproxy.gateproxy.store',
      gatewayPort: 4950,
      plans: [plan('1 GB', '1GB', 2.8, 1000), plan('5 GB', '5GB', 13.5, 5000), plan('10 GB', '10GB', 25, 10_000)],
    },
    {
      id: '9proxy',
      name: '9Proxy',
      usageApi: true,
      gatewayHost: 'gate.9proxy.gateproxy.store',
      gatewayPort: 2000,
      plans: [plan('1 GB', '1', 3.2, 1000), plan('3 GB', '3', 9.3, 3000), plan('10 GB', '10', 29, 10_000)],
    },
    {
      id: 'proxyseller',
      name: 'ProxySeller',
      usageApi: false, // "Telegram checker bot" only
      gatewayHost: 'res.proxyseller.gateproxy.store',
      gatewayPort: 10_000,
      plans: [plan('1 GB', '1GB', 4.5, 1000), plan('3 GB', '3GB', 12.9, 3000)],
    },
    {
      id: 'nodemaven',
      name: 'NodeMaven',
      usageApi: true,
      gatewayHost: 'gate.nodemaven.gateproxy.store',
      gatewayPort: 8080,
      // The first two plans are the ones in the API reference's example.
      plans: [plan('120 MB', '0.120', 0.45, 120), plan('1 GB', '1', 3.5, 1000), plan('5 GB', '5', 16.25, 5000)],
    },
    {
      id: 'dataimpulse',
      name: 'DataImpulse',
      usageApi: true,
      gatewayHost: 'gw.dataimpulse.gateproxy.store',
      gatewayPort: 823,
      // 0.675 USDT: a price finer than a cent, which the shop must round up.
      plans: [plan('500 MB', '0.5', 0.675, 500), plan('1 GB', '1', 1.2, 1000), plan('10 GB', '10', 11, 10_000)],
    },
    {
      id: '9proxy_cd_key',
      name: '9Proxy CD Key',
      usageApi: false,
      gatewayHost: 'cdkey.9proxy.gateproxy.store',
      gatewayPort: 6000,
      plans: [plan('1 GB', '1GB', 3, 1000), plan('5 GB', '5GB', 14, 5000)],
    },
  ];
}
