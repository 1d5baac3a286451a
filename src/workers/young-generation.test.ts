import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_FLAG, youngGenerationArgv } from './young-generation.js';

const root = new URL('../../', import.meta.url);

describe('the young generation a gateway process starts with', () => {
  it('is added to a command line that does not size it', () => {
    expect(youngGenerationArgv(['--enable-source-maps'], undefined)).toEqual(['--enable-source-maps', YOUNG_GENERATION_FLAG]);
    expect(youngGenerationArgv([], '--max-old-space-size=512')).toEqual([YOUNG_GENERATION_FLAG]);
  });

  it("keeps the operator's own size, from the command line or NODE_OPTIONS, in either spelling", () => {
    expect(youngGenerationArgv(['--max-semi-space-size=8'], undefined)).toEqual(['--max-semi-space-size=8']);
    expect(youngGenerationArgv(['--max_semi_space_size', '64'], undefined)).toEqual(['--max_semi_space_size', '64']);
    expect(youngGenerationArgv([], '--inspect --semi-space-size=4')).toEqual([]);
  });

  it('is on the launcher, the Docker entrypoint and npm start', async () => {
    const shebang = (await readFile(new URL('src/cli/main.ts', root), 'utf8')).split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${YOUNG_GENERATION_FLAG}`);
    const entrypoint = (await readFile(new URL('Dockerfile', root), 'utf8')).split('\n').find((l) => l.startsWith('ENTRYPOINT'));
    expect(entrypoint).toContain(`"${YOUNG_GENERATION_FLAG}"`);
    const scripts = (JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(YOUNG_GENERATION_FLAG);
  });
});
