/**
 * The HTTP metrics the shop keeps in plain numbers must scrape exactly as
 * prom-client's own Counter and Histogram would, fed the same requests: same
 * series, same buckets, same text.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestMetrics } from '../../src/observability/http-metrics.js';

const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NAMES = {
  counter: { name: 'shop_http_requests_total', help: 'HTTP requests answered, by matched route, method and status.' },
  histogram: {
    name: 'shop_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by matched route and method.',
    buckets: BUCKETS,
  },
};

type Request = [route: string, method: string, status: number, seconds: number];

function promClientText(requests: Request[]): Promise<string> {
  const registry = new Registry();
  const counter = new Counter({ ...NAMES.counter, labelNames: ['route', 'method', 'status'], registers: [registry] });
  const histogram = new Histogram({ ...NAMES.histogram, buckets: BUCKETS, labelNames: ['route', 'method'], registers: [registry] });
  for (const [route, method, status, seconds] of requests) {
    counter.inc({ route, method, status: String(status) });
    histogram.observe({ route, method }, seconds);
  }
  return registry.metrics();
}

function ownText(requests: Request[]): { text: Promise<string>; registry: Registry } {
  const registry = new Registry();
  const metrics = new HttpRequestMetrics(registry, NAMES);
  for (const request of requests) metrics.record(...request);
  return { text: registry.metrics(), registry };
}

describe('HTTP request metrics', () => {
  const requests: Request[] = [
    ['/api/v1/balance', 'GET', 200, 0.0004],
    ['/api/v1/balance', 'GET', 200, 0.01], // exactly on a bound: counted in that bucket (le is "less or equal")
    ['/api/v1/balance', 'GET', 429, 0.002],
    ['/api/v1/orders', 'POST', 201, 0.3],
    ['/api/v1/orders', 'POST', 201, 12], // beyond every bound: only in +Inf
    ['/api/v1/proxies/:id', 'GET', 404, 0.07],
    ['unmatched', 'GET', 404, 0.001],
    ['/weird"route\\with\nescapes', 'GET', 200, 0.2],
  ];

  it('scrapes exactly as prom-client would for the same requests', async () => {
    expect(await ownText(requests).text).toBe(await promClientText(requests));
  });

  it('counts each series separately and makes cumulative buckets', async () => {
    const text = await ownText(requests).text;
    expect(text).toContain('shop_http_requests_total{route="/api/v1/balance",method="GET",status="200"} 2');
    expect(text).toContain('shop_http_requests_total{route="/api/v1/balance",method="GET",status="429"} 1');
    expect(text).toContain('shop_http_request_duration_seconds_bucket{le="0.01",route="/api/v1/balance",method="GET"} 3');
    expect(text).toContain('shop_http_request_duration_seconds_bucket{le="10",route="/api/v1/orders",method="POST"} 1');
    expect(text).toContain('shop_http_request_duration_seconds_bucket{le="+Inf",route="/api/v1/orders",method="POST"} 2');
    expect(text).toContain('shop_http_request_duration_seconds_count{route="/api/v1/orders",method="POST"} 2');
    expect(text).toContain('shop_http_request_duration_seconds_sum{route="/api/v1/orders",method="POST"} 12.3');
  });

  it('shows both metrics with no series before any request, and none again after a reset', async () => {
    const empty = await ownText([]).text;
    expect(empty).toBe(await promClientText([]));
    const { registry } = ownText(requests);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(empty);
  });
});
