import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Denial } from '../errors/index.js';
import type { RequestContext } from '../gateway/context.js';
import { plainAddress } from '../gateway/client-ip.js';
import type { PhaseResult, PolicyInstance } from '../policies/types.js';
import { maskPath } from './path-mask.js';
import type { TracingConfig } from './tracing-config.js';

/** The policies that get a child span of their own, by policy name -> span name. */
const TRACED_POLICIES: Readonly<Record<string, string>> = { authenticate: 'authentication', contract: 'contract' };

const propagator = new W3CTraceContextPropagator();

const HEADER_GETTER: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** Appends to the flat name/value list undici sends upstream. */
const LIST_SETTER: TextMapSetter<string[]> = {
  set: (carrier, key, value) => { carrier.push(key, value); },
};

/**
 * OpenTelemetry tracing of the gateway: one SERVER span per request, continuing the caller's W3C
 * `traceparent` when it sent one, with child spans for authentication, the contract and the
 * upstream call, whose `traceparent` names the upstream span. Spans leave in batches over
 * OTLP/HTTP. Loaded and built only when `tracing` is configured (runtime.ts imports this module
 * on demand): without it no provider, exporter or context manager exists, and a request pays one
 * undefined check per phase boundary.
 *
 * No global provider or async context manager is installed: spans are parented explicitly
 * through the request's context, so the gateway's tracing neither depends on nor disturbs an
 * application that embeds it and has its own.
 */
export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;

  constructor(config: TracingConfig, version: string, logger: Logger) {
    const otlp = new OTLPTraceExporter({ url: config.endpoint, headers: { ...config.headers }, timeoutMillis: config.timeoutMs });
    const exporter = new ReportingExporter(otlp, config.endpoint, logger);
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': version }),
      // A caller's sampled flag is followed for the trace it continues; new traces are sampled at the ratio.
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    this.tracer = this.provider.getTracer('gatehouse', version);
  }

  /** Opens the request's span; called first thing, so the span covers the whole request. */
  start(ctx: RequestContext): void {
    const parent = propagator.extract(ROOT_CONTEXT, ctx.req.headers, HEADER_GETTER);
    const root = this.tracer.startSpan(ctx.method, { kind: SpanKind.SERVER }, parent);
    ctx.trace = new RequestTrace(this.tracer, root, trace.setSpan(parent, root));
  }

  /** The policy, with its request-side phases in a child span when it is one of the traced ones. */
  instrument(policy: PolicyInstance): PolicyInstance {
    const name = TRACED_POLICIES[policy.name];
    if (name === undefined) return policy;
    const wrapped: PolicyInstance = { ...policy };
    const { request, requestBody } = policy;
    if (request !== undefined) wrapped.request = traced(this.tracer, name, request.bind(policy));
    if (requestBody !== undefined) wrapped.requestBody = traced(this.tracer, `${name} body`, requestBody.bind(policy));
    return wrapped;
  }

  /** Exports what is queued and stops: on reload (the new runtime has its own) and at shutdown. */
  close(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** One request's spans. */
export class RequestTrace {
  private upstream: Span | undefined = undefined;

  constructor(
    private readonly tracer: Tracer,
    readonly root: Span,
    /** The context child spans are opened in. */
    readonly context: Context,
  ) {}

  get traceId(): string {
    return this.root.spanContext().traceId;
  }

  /**
   * Opens the upstream span and sets the headers the upstream receives: the client's
   * `traceparent` and `tracestate` are replaced by the propagator's, naming this span (sent
   * beside them, an upstream could read the client's copy and attach its spans past the gateway).
   */
  upstreamStart(headers: string[], server: { readonly address: string; readonly port: number }, method: string): void {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      const name = headers[i];
      if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2);
    }
    const span = this.tracer.startSpan('upstream', { kind: SpanKind.CLIENT }, this.context);
    if (span.isRecording()) {
      span.setAttributes({ 'http.request.method': method, 'server.address': server.address, 'server.port': server.port });
    }
    this.upstream = span;
    propagator.inject(trace.setSpan(this.context, span), headers, LIST_SETTER);
  }

  /** Closes every span of the request with what the observe phase knows. Never throws. */
  end(ctx: RequestContext, status: number): void {
    const upstream = this.upstream;
    if (upstream !== undefined) {
      if (ctx.upstreamStatus > 0) upstream.setAttribute('http.response.status_code', ctx.upstreamStatus);
      if (ctx.deniedBy === 'proxy') upstream.setStatus({ code: SpanStatusCode.ERROR, message: ctx.denial?.code ?? 'upstream failed' });
      upstream.end();
    }
    const root = this.root;
    if (root.isRecording()) {
      const route = ctx.route;
      const template = route?.operation?.path;
      if (template !== undefined) root.updateName(`${ctx.method} ${template}`);
      root.setAttributes({
        'http.request.method': ctx.method,
        'url.path': maskPath(ctx.path),
        'http.response.status_code': status,
        'client.address': plainAddress(ctx.clientIp),
      });
      if (template !== undefined) root.setAttribute('http.route', template);
      const ua = ctx.req.headers['user-agent'];
      if (ua !== undefined) root.setAttribute('user_agent.original', ua.slice(0, 256));
      if (ctx.api !== undefined) root.setAttribute('gatehouse.api', ctx.api.name);
      if (route !== undefined) root.setAttribute('gatehouse.operation', route.label);
      if (ctx.denial !== undefined) root.setAttributes({ 'gatehouse.refusal': ctx.denial.code, 'gatehouse.policy': ctx.deniedBy ?? '' });
      if (ctx.identity?.credentialId !== undefined) root.setAttribute('gatehouse.credential_id', ctx.identity.credentialId);
      // HTTP server semantic conventions: 5xx is the server's failure; a 4xx is the client's.
      if (status >= 500) root.setStatus({ code: SpanStatusCode.ERROR });
    }
    root.end();
  }
}

/** A phase handler in a span of its own, closed when the phase settles (at once, or when its promise does). */
function traced(tracer: Tracer, name: string, phase: (ctx: RequestContext) => PhaseResult): (ctx: RequestContext) => PhaseResult {
  return (ctx) => {
    const t = ctx.trace;
    if (t === undefined || !t.root.isRecording()) return phase(ctx);
    const span = tracer.startSpan(name, undefined, t.context);
    let result: PhaseResult;
    try {
      result = phase(ctx);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then((denial) => { settle(span, denial); return denial; }, (error: unknown) => { span.setStatus({ code: SpanStatusCode.ERROR }); span.end(); throw error; });
    }
    settle(span, result);
    return result;
  };
}

function settle(span: Span, denial: Denial | undefined): void {
  if (denial !== undefined) span.setAttribute('gatehouse.refusal', denial.code);
  span.end();
}

/** How often a failing collector is reported: once per interval, with the count in between. */
const REPORT_EVERY_MS = 10_000;

/**
 * The OTLP exporter, with its failures in the gateway's log: the SDK reports them only to its
 * diagnostic logger, which is silent unless set, so a collector that refuses every export
 * (a wrong path, a missing key) would lose every span without a word.
 */
class ReportingExporter implements SpanExporter {
  private failed = 0;
  private lastReport = -Infinity;

  constructor(private readonly inner: SpanExporter, private readonly endpoint: string, private readonly logger: Logger) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.report(spans.length, result.error);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private report(spans: number, error: Error | undefined): void {
    this.failed += spans;
    const now = performance.now();
    if (now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    this.logger.warn({ endpoint: this.endpoint, spansLost: this.failed, err: { message: error?.message ?? 'export failed' } }, 'tracing: spans could not be exported');
    this.failed = 0;
  }
}
