// Starts only the demo's sample API (the service `gatehouse demo` puts behind the gateway), for
// the examples to front. Run from a checkout after `npm ci` (which builds dist/):
//   node examples/http2/sample-api.mjs 3000
import { startSampleApi } from '../../dist/src/demo/sample-api.js';

const port = Number(process.argv[2] ?? 3000);
const api = await startSampleApi(port);
console.log(`sample API on ${api.url}`);
