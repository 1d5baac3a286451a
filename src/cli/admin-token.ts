import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { ADMIN_ROLES, AdminTokenStore, type AdminRole, type AdminTokenInfo } from '../admin/tokens.js';
import { choiceArg, guarded, openConfig, openForWrite, UsageError, type Opened } from './common.js';

function operator(): string {
  try { return `cli:${userInfo().username}`; } catch { return 'cli'; }
}

async function withTokens<T>(opening: Promise<Opened>, body: (tokens: AdminTokenStore) => Promise<T>): Promise<T> {
  const opened = await opening;
  try {
    return await body(new AdminTokenStore(opened.store.kv));
  } finally {
    await opened.close();
  }
}

/** Writes go to the store every gateway reads: a token made in a memory store would exist nowhere. */
export function createAdminToken(configFile: string, options: { role: string; name?: string }): Promise<{ token: string; info: AdminTokenInfo }> {
  const role = choiceArg<AdminRole>('--role', options.role, ADMIN_ROLES);
  return withTokens(openForWrite(configFile, 'an admin token'), (tokens) => tokens.create({ role, name: options.name ?? role, by: operator() }));
}

export function listAdminTokens(configFile: string): Promise<AdminTokenInfo[]> {
  return withTokens(openConfig(configFile, { sections: ['store'] }), (tokens) => tokens.list());
}

export function revokeAdminToken(configFile: string, id: string): Promise<boolean> {
  return withTokens(openForWrite(configFile, 'a revocation'), (tokens) => tokens.revoke(id, operator()));
}

function line(t: AdminTokenInfo): string {
  return [t.id, t.status, t.role, t.name, `created ${new Date(t.createdAt).toISOString()} by ${t.createdBy}`, t.revokedAt === undefined ? '' : `revoked ${new Date(t.revokedAt).toISOString()}`].join('\t').trimEnd();
}

export function registerAdminToken(program: Command): void {
  const cmd = program.command('admin-token').description('tokens for the admin API and console (roles viewer, operator, admin; stored hashed)');
  cmd.command('create')
    .description('issue a token; it is shown once and stored only as a hash')
    .addOption(new Option('--role <role>', 'viewer reads; operator also acknowledges, blocks and revokes; admin also manages keys').choices([...ADMIN_ROLES]).makeOptionMandatory())
    .option('--name <name>', 'who holds it (shown in the decision trail)')
    .option('-c, --config <file>', 'config file (its store holds the tokens)', 'gatehouse.yaml')
    .action(async (o: { role: string; name?: string; config: string }) => guarded(async () => {
      const { token, info } = await createAdminToken(o.config, o);
      process.stdout.write(`${token}\n`);
      process.stderr.write(`admin token ${info.id} (${info.role}) for ${info.name} created; store it now, it cannot be shown again\n`);
    }));
  cmd.command('list')
    .description('list admin tokens (never the tokens themselves)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .action(async (o: { format: string; config: string }) => guarded(async () => {
      const all = await listAdminTokens(o.config);
      process.stdout.write(o.format === 'json' ? `${JSON.stringify(all, null, 2)}\n` : all.map((t) => `${line(t)}\n`).join(''));
    }));
  cmd.command('revoke <id>')
    .description('revoke a token at once on every gateway sharing the store')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .action(async (id: string, o: { config: string }) => guarded(async () => {
      if (!await revokeAdminToken(o.config, id)) throw new UsageError(`no active admin token ${id}`);
      process.stderr.write(`admin token ${id} revoked\n`);
    }));
}
