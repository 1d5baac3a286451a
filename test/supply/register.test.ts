import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDeps } from '../../src/cli/deps.js';
import { registerSbom } from '../../src/cli/sbom.js';
import { registerSecrets } from '../../src/cli/secrets.js';

function program(): Command {
  const p = new Command('gatehouse').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerSbom(p);
  registerDeps(p);
  registerSecrets(p);
  return p;
}

describe('the sbom, deps and secrets commands', () => {
  it('are registered with their options', () => {
    const p = program();
    const opts = (name: string) => p.commands.find((c) => c.name() === name)?.options.map((o) => o.long);
    expect(opts('sbom')).toEqual(['--format', '--spec-version', '--output', '--self']);
    expect(opts('deps')).toEqual(['--db', '--format', '--fail-on', '--ignore-file', '--include-dev', '--update-db']);
    expect(p.commands.find((c) => c.name() === 'secrets')?.commands.map((c) => c.name())).toEqual(['set', 'get', 'list', 'rotate', 'revoke', 'delete', 'rekey']);
  });

  it('makes --db required for deps (a usage error, exit 2 in runCli)', async () => {
    const err = await program().parseAsync(['node', 'gatehouse', 'deps', '.']).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).code).toBe('commander.missingMandatoryOptionValue');
  });
});
