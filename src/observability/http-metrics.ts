/**
 * The HTTP request counter and duration histogram, kept in plain numbers per
 * series and put in prom-client's form only when scraped.
 *
 * Why not prom-client's own Counter and Histogram: every `inc` and `observe`
 * there checks the label names, hashes the labels into a string key and
 * builds a labels object, for each request. On a `GET /api/v1/balance` that
 * was more than the handler's own work. Here a request costs three map
 * lookups and a few additions; the series are the same ones, in the same
 * text format, at scrape time.
 */
import type { Metric, Registry } from 'prom-client';

interface DurationSeries {
  labels: { route: string; method: string };
  /** Requests per bucket, not cumulative: index i counts durations in (bounds[i-1], bounds[i]]; the last, above every bound. */
  perBucket: number[];
  sum: number;
  count: number;
}

interface CountSeries {
  labels: { route: string; method: string; status: string };
  count: number;
}

/** A value as prom-client's registry renders it: `labels` first, then `sharedLabels`. */
interface RenderedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
}

/** What prom-client's registry asks of a metric: its name, help and type, and its values when scraped. */
interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: RenderedValue[] }>;
  reset(): void;
}

export interface HttpMetricNames {
  counter: { name: string; help: string };
  histogram: { name: string; help: string; buckets: readonly number[] };
}

export class HttpRequestMetrics {
  /** Found by route, then method: no key is built per request. */
  private readonly durationsByRoute = new Map<string, Map<string, DurationSeries & { statuses: Map<number, CountSeries> }>>();
  /** Every series in the order first seen, as prom-client lists them. */
  private readonly durations: DurationSeries[] = [];
  private readonly counts: CountSeries[] = [];
  private readonly bounds: readonly number[];

  constructor(registry: Registry, names: HttpMetricNames) {
    this.bounds = [...names.histogram.buckets].sort((a, b) => a - b);
    registry.registerMetric(
      this.collected(names.counter.name, names.counter.help, 'counter', () =>
        this.counts.map((series) => ({ labels: series.labels, value: series.count })),
      ),
    );
    registry.registerMetric(
      this.collected(names.histogram.name, names.histogram.help, 'histogram', () =>
        this.durations.flatMap((series) => this.histogramValues(names.histogram.name, series)),
      ),
    );
  }

  /** One answered request: `route` is the matched pattern, never the raw path. */
  record(route: string, method: string, status: number, seconds: number): void {
    let ofRoute = this.durationsByRoute.get(route);
    if (!ofRoute) {
      ofRoute = new Map();
      this.durationsByRoute.set(route, ofRoute);
    }
    let duration = ofRoute.get(method);
    if (!duration) {
      duration = {
        labels: { route, method },
        perBucket: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
        statuses: new Map(),
      };
      ofRoute.set(method, duration);
      this.durations.push(duration);
    }
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]!) bucket++;
    duration.perBucket[bucket]! += 1;
    duration.sum += seconds;
    duration.count += 1;

    let counted = duration.statuses.get(status);
    if (!counted) {
      counted = { labels: { route, method, status: String(status) }, count: 0 };
      duration.statuses.set(status, counted);
      this.counts.push(counted);
    }
    counted.count += 1;
  }

  /** Cumulative buckets with `le`, then +Inf, sum and count, labelled as prom-client's Histogram labels them. */
  private histogramValues(name: string, series: DurationSeries): RenderedValue[] {
    const values: RenderedValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += series.perBucket[i]!;
      values.push({ labels: { le: bound }, sharedLabels: series.labels, value: cumulative, metricName: `${name}_bucket` });
    });
    values.push(
      { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${name}_bucket` },
      { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${name}_sum` },
      { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${name}_count` },
    );
    return values;
  }

  private collected(name: string, help: string, type: 'counter' | 'histogram', values: () => RenderedValue[]): Metric {
    const metric: CollectedMetric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => {
        this.durationsByRoute.clear();
        this.durations.length = 0;
        this.counts.length = 0;
      },
    };
    // prom-client's registry takes any object of this shape; its types list only its own classes.
    return metric as unknown as Metric;
  }
}
