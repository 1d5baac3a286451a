/**
 * The error registry: every refusal and failure the gateway can answer with has a stable code,
 * an HTTP status and a title that is safe to show to any client. Titles never carry request
 * data; details are added per occurrence and are chosen by the caller to be safe too.
 *
 * `docs/errors.md` is kept in step with this table by a test.
 */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly title: string;
  /** A one-line explanation for operators, used in docs/errors.md. */
  readonly description: string;
}

export const ERROR_CODES = {
  // route
  GH_ROUTE_NOT_FOUND: { status: 404, title: 'Not Found', description: 'No operation of any configured API matches the method and path.' },
  GH_ROUTE_METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed', description: 'The path exists in the contract but not for this method.' },
  // accept / request framing
  GH_REQUEST_MALFORMED: { status: 400, title: 'Bad Request', description: 'The request could not be parsed (framing, encoding or syntax).' },
  GH_REQUEST_URI_TOO_LONG: { status: 414, title: 'URI Too Long', description: 'The request target is longer than the configured limit.' },
  GH_REQUEST_HEADERS_TOO_LARGE: { status: 431, title: 'Request Header Fields Too Large', description: 'Too many headers, or headers larger than the configured limit.' },
  GH_REQUEST_BODY_TOO_LARGE: { status: 413, title: 'Content Too Large', description: 'The body is larger than the configured limit for its content type.' },
  GH_REQUEST_TIMEOUT: { status: 408, title: 'Request Timeout', description: 'The client did not send headers or body in time.' },
  GH_REQUEST_SMUGGLING: { status: 400, title: 'Bad Request', description: 'Conflicting or ambiguous message framing (request smuggling defence).' },
  GH_REQUEST_HTTP_VERSION: { status: 505, title: 'HTTP Version Not Supported', description: 'The request line names an HTTP version other than 1.0 or 1.1 (an HTTP/2 or later version on an HTTP/1 connection); the connection is closed and nothing is forwarded.' },
  GH_REQUEST_ENCODING_MALFORMED: { status: 400, title: 'Bad Request', description: 'Malformed percent-encoding in the path, query string or form body: a `%` not followed by two hex digits (`%G1`, `%2`).' },
  GH_REQUEST_CHARSET_INVALID: { status: 400, title: 'Invalid Character Encoding', description: 'Well-formed bytes that are not text in the expected charset: percent-encoded query or form bytes that do not decode in the API\'s `charset` (UTF-8 unless configured; `?nombre=H%E9ctor` is Latin-1), percent-encoded path bytes that are not UTF-8, or a JSON or text body that is not UTF-8. If the upstream reads Latin-1, set the API\'s `charset`.' },
  GH_REQUEST_AMBIGUOUS: { status: 400, title: 'Ambiguous Request', description: 'Two conforming parsers could read the request differently, so what the gateway checks might not be what the upstream acts on: a repeated JSON member name, an escaped lone surrogate, a number a double cannot hold as written, `-0` as an integer, a byte-order mark, `;` in the query string or form body, an encoded slash or `;` in the path. The `detail` says which.' },
  // validate
  GH_CONTRACT_PARAMETER_INVALID: { status: 400, title: 'Invalid Parameter', description: 'A path, query, header or cookie parameter violates the contract.' },
  GH_CONTRACT_BODY_INVALID: { status: 400, title: 'Invalid Request Body', description: 'The request body violates the operation\'s schema.' },
  GH_CONTRACT_BODY_REQUIRED: { status: 400, title: 'Request Body Required', description: 'The operation requires a body and none was sent.' },
  GH_CONTRACT_UNKNOWN_FIELD: { status: 400, title: 'Unknown Field', description: 'The request carries a field the contract does not declare (mass-assignment defence).' },
  GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported Media Type', description: 'The content type is not one the operation accepts, or one the gateway cannot validate as the upstream will read it (a JSON or text body with a charset other than UTF-8, a form body with a charset other than the API\'s), or a body without a Content-Type where a policy reads bodies.' },
  GH_CONTRACT_BODY_TOO_DEEP: { status: 400, title: 'Request Body Too Deep', description: 'The JSON body nests deeper than the configured limit.' },
  GH_CONTRACT_BODY_TOO_COMPLEX: { status: 400, title: 'Request Body Too Complex', description: 'The JSON body has more elements, or longer strings, than the configured limits.' },
  GH_CONTRACT_PROTOTYPE_POLLUTION: { status: 400, title: 'Forbidden Key', description: 'The body carries __proto__, constructor or prototype keys (prototype-pollution defence).' },
  GH_CONTRACT_NOT_ACCEPTABLE: { status: 406, title: 'Not Acceptable', description: 'The operation cannot produce any media type the client accepts.' },
  GH_INJECTION_DETECTED: { status: 400, title: 'Request Refused', description: 'A value matched an injection detector.' },
  // authenticate / authorize
  GH_AUTHN_REQUIRED: { status: 401, title: 'Unauthorized', description: 'The operation needs credentials and none were sent.' },
  GH_AUTHN_INVALID: { status: 401, title: 'Unauthorized', description: 'The credentials could not be verified.' },
  GH_AUTHN_TOKEN_EXPIRED: { status: 401, title: 'Unauthorized', description: 'The token has expired.' },
  GH_AUTHN_REVOKED: { status: 401, title: 'Unauthorized', description: 'Never sent to a client: the code the log and the decision trail give a revoked key or a credential on the revocation list. The client gets `GH_AUTHN_INVALID`, so a revoked credential cannot be told from one that never existed.' },
  GH_BLOCKED: { status: 403, title: 'Forbidden', description: 'The client address is temporarily blocked (an automatic response to an alert, or an operator\'s block); lifted with `gatehouse revocations remove`.' },
  GH_CORS_ORIGIN_NOT_ALLOWED: { status: 403, title: 'Forbidden', description: 'The request comes from a web page on an origin the API\'s `cors` policy does not list (a preflight or the request itself); nothing is forwarded.' },
  GH_CORS_PREFLIGHT_REFUSED: { status: 403, title: 'Forbidden', description: 'A CORS preflight asks for a method or a request header the API\'s `cors` policy does not allow at this path; the `detail` names which.' },
  GH_AUTHZ_FORBIDDEN: { status: 403, title: 'Forbidden', description: 'The caller is authenticated but not allowed to perform this operation.' },
  GH_AUTHZ_OBJECT_FORBIDDEN: { status: 403, title: 'Forbidden', description: 'The caller may not access this object (object-level authorization).' },
  GH_AUTHZ_STEP_UP_REQUIRED: { status: 401, title: 'Unauthorized', description: 'The operation needs a stronger or more recent authentication.' },
  // limit
  GH_RATE_LIMITED: { status: 429, title: 'Too Many Requests', description: 'A rate limit or quota was exceeded.' },
  GH_WEBSOCKET_NOT_DECLARED: { status: 400, title: 'Bad Request', description: 'A WebSocket upgrade for an operation the API does not declare as WebSocket (`websocket.operations`).' },
  GH_WEBSOCKET_ORIGIN: { status: 403, title: 'Forbidden', description: 'A WebSocket handshake from an Origin not in `websocket.origins` (cross-site WebSocket hijacking).' },
  GH_WEBSOCKET_TOO_MANY: { status: 429, title: 'Too Many Requests', description: 'The caller has `websocket.maxConnectionsPerIdentity` WebSocket connections open on this API already.' },
  GH_AUTHN_TOO_MANY_FAILURES: { status: 429, title: 'Too Many Requests', description: 'Too many failed authentication attempts from this address or for this account (brute-force defence); retry after Retry-After.' },
  GH_ADMIN_UNAUTHORIZED: { status: 401, title: 'Unauthorized', description: 'A request to the admin listener without a valid admin.auth token or client certificate (only /healthz, /readyz and the signing key set are public).' },
  GH_CONCURRENCY_LIMITED: { status: 503, title: 'Service Unavailable', description: 'Too many requests in flight for this caller or upstream.' },
  // proxy / respond
  GH_UPSTREAM_UNAVAILABLE: { status: 502, title: 'Bad Gateway', description: 'The upstream could not be reached or closed the connection.' },
  GH_UPSTREAM_TIMEOUT: { status: 504, title: 'Gateway Timeout', description: 'The upstream did not answer in time.' },
  GH_UPSTREAM_RESPONSE_INVALID: { status: 502, title: 'Bad Gateway', description: 'The upstream response violates the contract and the policy blocks it.' },
  GH_UPSTREAM_ERROR: { status: 502, title: 'Upstream Error', description: 'The upstream failed with a status the contract does not declare; its body is withheld (it may hold a stack trace). The upstream status is kept.' },
  GH_UPSTREAM_RESPONSE_TOO_LARGE: { status: 502, title: 'Bad Gateway', description: 'The upstream response is larger than the configured cap.' },
  // egress (docs/egress.md)
  GH_EGRESS_DESTINATION_REFUSED: { status: 502, title: 'Bad Gateway', description: 'The third-party API\'s name resolved to a private, loopback, link-local or metadata address; no connection was made.' },
  GH_EGRESS_CERTIFICATE_REFUSED: { status: 502, title: 'Bad Gateway', description: 'The third-party API presented no certificate carrying a pinned public key (egress.pins).' },
  GH_EGRESS_REDIRECT_REFUSED: { status: 502, title: 'Bad Gateway', description: 'The third-party API redirected to another origin, or more often than egress.redirects allows.' },
  // dependencies of policies
  GH_DEPENDENCY_UNAVAILABLE: { status: 503, title: 'Service Unavailable', description: 'A dependency of a policy (store, identity provider) is unavailable and the policy fails closed.' },
  GH_INTERNAL: { status: 500, title: 'Internal Server Error', description: 'An unexpected error inside the gateway; details are in the gateway log under the request id.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
