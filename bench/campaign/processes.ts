/**
 * The processes an attack campaign runs against: the gateway as a child process (so a crash is
 * an exit we can see, not a test runner's problem), a private redis-server it can take down, and
 * a TCP switch in front of the upstream that turns it off, mute, rude or nonsensical on demand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** How to run `gatehouse`: the Node binary and the arguments before the command (`start …`). */
export interface GatehouseCommand {
  readonly execPath: string;
  readonly args: readonly string[];
}

export interface Crash {
  readonly target: string;
  readonly code: number | null;
  readonly signal: string | null;
  /** The last lines the process wrote to stderr before it died. */
  readonly stderr: string;
}

/** Log lines that say the gateway's own code failed, even though the process kept serving. */
const UNCAUGHT = /"msg":"(uncaught exception|unhandled rejection)/;
const STARTED = /"msg":"gateway started"/;

/**
 * A gateway run as `gatehouse start --config FILE --no-watch` in a child process. An exit the
 * campaign did not ask for is a crash: recorded, and the gateway started again so the campaign
 * goes on (the next requests find the new port through `url`).
 */
export class GatewayProcess {
  url = '';
  readonly crashes: Crash[] = [];
  /** `uncaught exception; still serving` and the like: a defect, counted like a crash. */
  readonly uncaught: string[] = [];
  errorLines = 0;
  private child: ChildProcess | undefined;
  private stopping = false;
  private stderrTail = '';

  private constructor(
    readonly name: string,
    private readonly command: GatehouseCommand,
    private readonly configFile: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
  ) {}

  static async start(name: string, command: GatehouseCommand, configFile: string, env: NodeJS.ProcessEnv, cwd: string): Promise<GatewayProcess> {
    const gateway = new GatewayProcess(name, command, configFile, env, cwd);
    await gateway.spawn();
    return gateway;
  }

  private spawn(): Promise<void> {
    const child = spawn(this.command.execPath, [...this.command.args, 'start', '--config', this.configFile, '--no-watch'], {
      cwd: this.cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stderrTail = '';
    return new Promise((resolve, reject) => {
      let started = false;
      let pending = '';
      const timer = setTimeout(() => fail(new Error(`${this.name}: the gateway did not start within 120 s\n${this.stderrTail}`)), 120_000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        if (!started) {
          started = true;
          child.kill('SIGKILL');
          reject(error);
        }
      };
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        pending += chunk;
        let nl = pending.indexOf('\n');
        while (nl !== -1) {
          this.line(pending.slice(0, nl), (url) => {
            if (started) return;
            started = true;
            clearTimeout(timer);
            this.url = url;
            resolve();
          });
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
        }
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => { this.stderrTail = (this.stderrTail + chunk).slice(-4000); });
      child.once('error', fail);
      child.once('exit', (code, signal) => {
        if (!started) {
          fail(new Error(`${this.name}: the gateway exited with ${code ?? signal ?? '?'} before it started\n${this.stderrTail}`));
          return;
        }
        if (this.stopping || this.child !== child) return;
        this.crashes.push({ target: this.name, code, signal, stderr: this.stderrTail.trim().split('\n').slice(-8).join('\n') });
        this.url = '';
        // Keep attacking: a crash is recorded, and a gateway that is down answers nothing.
        this.spawn().catch((error: unknown) => { this.crashes.push({ target: this.name, code: null, signal: null, stderr: String(error) }); });
      });
    });
  }

  /** Reads one pino line cheaply: most lines are access logs, parsed only when they matter. */
  private line(text: string, onStarted: (url: string) => void): void {
    if (UNCAUGHT.test(text)) this.uncaught.push(text.slice(0, 500));
    if (/"level":(50|60)/.test(text)) this.errorLines++;
    if (STARTED.test(text)) {
      const http = (JSON.parse(text) as { http?: { port?: number } }).http;
      if (http?.port !== undefined) onStarted(`http://127.0.0.1:${http.port}`);
    }
  }

  get alive(): boolean {
    return this.url !== '';
  }

  /** Waits (up to `ms`) for a gateway that is being restarted after a crash; false if it stays down. */
  async ready(ms = 60_000): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.alive && !this.stopping && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    return this.alive;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A port nothing listens on right now (bound and released): for services restarted on it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A private redis-server the campaign may stop and start again on the same port. */
export class RedisProcess {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
      });
      child.once('error', (error) => { clearTimeout(timer); reject(new Error(`redis-server: ${error.message}`)); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${String(code)}`)); });
    });
    child.stdout?.resume();
  }

  /** Stops it the hard way, as a crashed or partitioned Redis looks to its clients. */
  async down(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}

export type FaultMode = 'pass' | 'down' | 'hang' | 'reset' | 'garbage' | 'truncate';

/**
 * A TCP switch between the gateway and its upstream. `pass` pipes bytes both ways; the other
 * modes are the failures an upstream has in production: `down` (nothing listens: refused),
 * `hang` (accepts, never answers), `reset` (accepts, then RST), `garbage` (answers bytes that are
 * not HTTP), `truncate` (a response cut short of its Content-Length). Changing the mode drops
 * every open connection, so the gateway's pooled ones meet the new mode at once.
 */
export class FaultSwitch {
  mode: FaultMode = 'pass';
  private readonly sockets = new Set<Socket>();
  private server: Server;

  private constructor(readonly port: number, private readonly upstream: { host: string; port: number }) {
    this.server = this.listener();
  }

  static async start(upstream: { host: string; port: number }): Promise<FaultSwitch> {
    const fault = new FaultSwitch(await freePort(), upstream);
    await fault.listen();
    return fault;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async set(mode: FaultMode): Promise<void> {
    if (mode === this.mode) return;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (mode === 'down') await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.mode === 'down') {
      this.server = this.listener();
      await this.listen();
    }
    this.mode = mode;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.mode !== 'down') await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => { this.server.off('error', reject); resolve(); });
    });
  }

  private listener(): Server {
    return createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      switch (this.mode) {
        case 'hang':
          socket.resume();
          return;
        case 'reset':
          socket.resetAndDestroy();
          return;
        case 'garbage':
          socket.once('data', () => socket.end('HTTP/1.1 2OO OK\r\n\u0000\u0001 not http at all\r\n\r\n'));
          return;
        case 'truncate':
          socket.once('data', () => {
            socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{"id":1,"name":"Ada');
            setTimeout(() => socket.destroy(), 20);
          });
          return;
        default: {
          const up = connect(this.upstream.port, this.upstream.host);
          this.sockets.add(up);
          up.once('close', () => { this.sockets.delete(up); socket.destroy(); });
          up.on('error', () => socket.destroy());
          socket.once('close', () => up.destroy());
          socket.pipe(up);
          up.pipe(socket);
        }
      }
    });
  }
}
