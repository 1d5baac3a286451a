import { pino } from 'pino';
import type { ApiConfig, GatehouseConfig } from '../../src/config/types.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { LoadedSpec } from '../../src/openapi/types.js';
import type { Store } from '../../src/store/index.js';
import type { PolicyFactory, PolicyInstance, RuntimeScope } from '../../src/policies/types.js';

function scope(store: Store): RuntimeScope {
  const values = new Map<string, unknown>();
  return {
    services: { logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), store, observers: [] },
    once<T>(key: string, make: () => T): T {
      if (!values.has(key)) values.set(key, make());
      return values.get(key) as T;
    },
    onClose: () => undefined,
  };
}

/** One policy made outside a gateway, for unit tests: `policies` of an API named `a`, no operations, the given store. */
export function standalonePolicy(factory: PolicyFactory, policies: Record<string, unknown>, store: Store): PolicyInstance {
  const api = { name: 'a', policies } as unknown as ApiConfig;
  const config = { file: 'x', apis: [api] } as unknown as GatehouseConfig;
  const made = factory({ scope: scope(store), config, api, spec: { file: 'x', operations: [] } as unknown as LoadedSpec, operation: undefined, validators: undefined });
  if (made === undefined) throw new Error('the factory made no policy');
  return made;
}
