import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from './fast-metrics.js';

describe('request-path metrics', () => {
  it('render counters and cumulative histogram buckets in the Prometheus text format', async () => {
    const registry = new Registry();
    const counter = new FastCounter('t_requests_total', 'requests', ['api', 'status'], registry);
    const histogram = new FastHistogram('t_duration_seconds', 'durations', ['api'], [0.1, 1], registry);
    counter.child('a', '200').inc();
    counter.child('a', '200').inc(2);
    counter.child('b', '500').inc();
    const h = histogram.child('a');
    for (const v of [0.05, 0.5, 0.7, 3]) h.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_requests_total counter');
    expect(text).toContain('t_requests_total{api="a",status="200"} 3');
    expect(text).toContain('t_requests_total{api="b",status="500"} 1');
    expect(text).toContain('# TYPE t_duration_seconds histogram');
    expect(text).toContain('t_duration_seconds_bucket{api="a",le="0.1"} 1');
    expect(text).toContain('t_duration_seconds_bucket{api="a",le="1"} 3');
    expect(text).toContain('t_duration_seconds_bucket{api="a",le="+Inf"} 4');
    expect(text).toContain('t_duration_seconds_sum{api="a"} 4.25');
    expect(text).toContain('t_duration_seconds_count{api="a"} 4');
  });
});
