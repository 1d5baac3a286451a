import { SpecError, type ConfigProblem } from '../errors/index.js';
import { compileContract, loadSpec, type CompiledContract } from '../openapi/index.js';
import type { LoadedSpec, SpecProblem } from '../openapi/types.js';
import { destinationProblems, egressSpecView } from '../egress/destination.js';
import { policyProblems } from '../policies/check.js';
import { formatPath, type RawProblem } from './problem.js';
import { locateProblems } from './load.js';
import type { ApiConfig, GatehouseConfig } from './types.js';

export interface CompiledApiContract {
  readonly api: ApiConfig;
  readonly spec: LoadedSpec;
  readonly contract: CompiledContract;
}

export interface ApisCheck {
  /** The APIs whose spec loaded, in config order. */
  readonly apis: readonly CompiledApiContract[];
  /** Problems that leave a protection unenforceable: start and reload refuse the config. */
  readonly errors: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

/**
 * Loads every API's spec, compiles its contract as the gateway enforces it and checks its
 * policies against it: the one function behind `gatehouse check-config`, start and reload, so
 * what check-config passes is exactly what the gateway starts with. A spec problem is reported
 * with the spec's file, line and JSON pointer (`#/paths/~1users/post/...`); a policy problem
 * with the config's file, line and key path.
 */
export async function compileApis(config: GatehouseConfig): Promise<ApisCheck> {
  const loaded = await Promise.all(config.apis.map(async (api) => {
    try {
      return await loadSpec(api.spec);
    } catch (error) {
      if (error instanceof SpecError) return error;
      throw error;
    }
  }));
  const apis: CompiledApiContract[] = [];
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  config.apis.forEach((api, index) => {
    const loadedSpec = loaded[index] as LoadedSpec | SpecError;
    if (loadedSpec instanceof SpecError) {
      const spec = loadedSpec;
      errors.push(spec.line === undefined
        ? { ...(locateProblems(config, [{ path: ['apis', index, 'spec'], message: '' }])[0] as ConfigProblem), message: `${spec.file}: ${spec.reason}` }
        : { path: spec.pointer === undefined ? formatPath(['apis', index, 'spec']) : `#${spec.pointer}`, message: spec.reason, file: spec.file, line: spec.line });
      return;
    }
    const spec = api.direction === 'egress' ? egressSpecView(loadedSpec) : loadedSpec;
    errors.push(...locateProblems(config, destinationProblems(api, index, spec)));
    const contract = compileContract(spec, {
      unknownFields: api.policies.contract.unknownFields,
      unknownQuery: api.policies.contract.unknownQuery,
      rejectReadOnly: api.policies.contract.readOnly === 'reject',
    });
    apis.push({ api, spec, contract });
    errors.push(...contract.errors.map(specProblem));
    warnings.push(...contract.warnings.map(specProblem));
    errors.push(...locateProblems(config, policyProblems(config, index, spec, contract.shadowed)));
    errors.push(...locateProblems(config, protocolProblems(api, index, spec)));
  });
  return { apis, errors, warnings };
}

function specProblem(p: SpecProblem): ConfigProblem {
  return { path: `#${p.pointer}`, message: p.message, file: p.file, ...(p.line === undefined ? {} : { line: p.line }) };
}

/**
 * What the protocol settings of an API need from its spec and upstream: WebSocket operations that
 * exist and are GET (RFC 6455 §4.1), over an HTTP/1.1 upstream (undici upgrades HTTP/1.1 only);
 * gRPC over an HTTP/2 upstream, its operations POST; neither on an egress API.
 */
function protocolProblems(api: ApiConfig, index: number, spec: LoadedSpec): RawProblem[] {
  const problems: RawProblem[] = [];
  const ws = api.websocket;
  if (ws !== undefined) {
    ws.operations.forEach((id, i) => {
      const operation = spec.operations.find((o) => o.id === id);
      if (operation === undefined) problems.push({ path: ['apis', index, 'websocket', 'operations', i], message: `no operation "${id}" in ${api.spec}` });
      else if (operation.method !== 'GET') problems.push({ path: ['apis', index, 'websocket', 'operations', i], message: `"${id}" is ${operation.method}: a WebSocket handshake is a GET` });
    });
    if (api.upstream.http2) problems.push({ path: ['apis', index, 'websocket'], message: 'WebSocket needs an HTTP/1.1 upstream: set upstream.http2 to false' });
  }
  // Egress destination guard, pins and provider credentials live on the proxied request path;
  // WebSocket and gRPC connect by their own clients, so on an egress API they would bypass them.
  if (api.direction === 'egress') {
    if (ws !== undefined) problems.push({ path: ['apis', index, 'websocket'], message: 'WebSocket is not served on an egress API: its connection would bypass the destination guard and credential injection' });
    if (api.grpc) problems.push({ path: ['apis', index, 'grpc'], message: 'gRPC is not served on an egress API: its connection would bypass the destination guard and certificate pins' });
  }
  if (api.grpc) {
    if (!api.upstream.http2) problems.push({ path: ['apis', index, 'grpc'], message: 'gRPC needs an HTTP/2 upstream: set upstream.http2: true' });
    for (const operation of spec.operations) {
      if (operation.method !== 'POST') problems.push({ path: ['apis', index, 'grpc'], message: `${operation.method} ${operation.path}: gRPC operations are POST /package.Service/Method` });
    }
  }
  return problems;
}
