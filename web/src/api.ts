/**
 * The console's only way to the gateway: the admin API, with the token in the Authorization
 * header of every call. Never a cookie: a header is something another site's page cannot make
 * the browser attach, so writes need no further CSRF token.
 */
const BASE = '/admin/api/v1';
const KEY = 'gatehouse-admin-token';

export type Role = 'viewer' | 'operator' | 'admin';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function savedToken(): string {
  return sessionStorage.getItem(KEY) ?? '';
}

export function saveToken(token: string): void {
  if (token === '') sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const headers: Record<string, string> = { authorization: `Bearer ${savedToken()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(BASE + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), cache: 'no-store' });
  const text = await res.text();
  const data = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) {
    const problem = (data ?? {}) as { code?: string; title?: string; detail?: string };
    throw new ApiError(res.status, problem.code ?? String(res.status), problem.detail ?? problem.title ?? `HTTP ${res.status}`);
  }
  return data as T;
}

export type LiveEvent = { type: 'alert' | 'decision' | 'reload' | 'revocation'; data: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Listener = (event: LiveEvent) => void;

/**
 * The event stream, read with fetch (EventSource cannot send a header) and reconnected after a
 * drop. Listeners get every event; the console updates pages without a reload.
 */
export class LiveStream {
  private readonly listeners = new Set<Listener>();
  private controller: AbortController | undefined;
  connected = false;
  onState: (connected: boolean) => void = () => undefined;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.setState(false);
  }

  private setState(connected: boolean): void {
    this.connected = connected;
    this.onState(connected);
  }

  private async run(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(`${BASE}/events`, { headers: { authorization: `Bearer ${savedToken()}` }, signal: controller.signal, cache: 'no-store' });
        if (!res.ok || res.body === null) throw new Error(`events: ${res.status}`);
        this.setState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            this.dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      this.setState(false);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  private dispatch(block: string): void {
    let type = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (type === '' || data === '') return;
    let parsed: unknown;
    try { parsed = JSON.parse(data); } catch { return; }
    for (const l of this.listeners) l({ type: type as LiveEvent['type'], data: parsed });
  }
}

export const live = new LiveStream();
