import { loadConfig } from '../config/index.js';
import { Gateway } from '../gateway/gateway.js';
import { demoFile } from './paths.js';
import { startSampleApi, type SampleApi } from './sample-api.js';

export interface DemoOptions {
  readonly port: number;
  readonly adminPort: number;
  readonly logLevel?: string;
}

export interface Demo {
  readonly gateway: Gateway;
  readonly sample: SampleApi;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  close(): Promise<void>;
}

/** Starts the sample API on a free port and the gateway in front of it, from examples/demo. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const sample = await startSampleApi();
  try {
    const config = await loadConfig(demoFile('gatehouse.yaml'), {
      env: {
        ...process.env,
        DEMO_UPSTREAM_URL: sample.url,
        GATEHOUSE_PORT: String(options.port),
        GATEHOUSE_ADMIN_PORT: String(options.adminPort),
        GATEHOUSE_LOG_LEVEL: options.logLevel ?? 'info',
      },
    });
    const gateway = await Gateway.start(config, { drainMs: 2_000 });
    const admin = gateway.addresses.admin;
    return {
      gateway,
      sample,
      gatewayUrl: gateway.httpUrl,
      adminUrl: admin === undefined ? '' : `http://127.0.0.1:${admin.port}`,
      async close() {
        await gateway.close();
        await sample.close();
      },
    };
  } catch (error) {
    await sample.close();
    throw error;
  }
}

export function demoInstructions(demo: Demo): string {
  const g = demo.gatewayUrl;
  return [
    '',
    'Gatehouse demo is running.',
    `  gateway   ${g}   (in front of the sample API at ${demo.sample.url})`,
    `  metrics   ${demo.adminUrl}/metrics   health ${demo.adminUrl}/healthz`,
    `  spec      ${demoFile('openapi.yaml')}`,
    '',
    'Try:',
    '  # allowed: the contract matches; the password hash the service leaks is stripped',
    `  curl -i ${g}/api/users/1`,
    '',
    '  # refused by the contract: an undeclared field (mass assignment) -> 400 GH_CONTRACT_UNKNOWN_FIELD',
    `  curl -i -X POST ${g}/api/users -H 'content-type: application/json' -d '{"name":"Eve","email":"eve@example.com","isAdmin":true}'`,
    '',
    '  # an undeclared path (a shadow API the service exposes) -> 404 GH_ROUTE_NOT_FOUND',
    `  curl -i ${g}/api/internal/debug`,
    '',
    '  # the service crashes with a stack trace -> the gateway withholds it (500, problem+json)',
    `  curl -i ${g}/api/orders/999`,
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}
