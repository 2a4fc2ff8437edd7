import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fetch } from 'undici';
import { type CliProcess, startCliProcess } from './helpers/cli-process.js';

/** Waits until the process printed a line matching `pattern` on stdout; returns the match. */
function printed(cli: CliProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing matched ${pattern}`)), 60_000);
    cli.onStdout((stdout) => {
      const match = stdout.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    cli.done.then((run) => reject(new Error(`serve exited (${run.code}): ${run.stderr}`)));
  });
}

describe('tenantlink serve on a fresh data folder', () => {
  test('prints a console link with a one-time setup token; setup takes only that token', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tl-first-run-'));
    const cli = startCliProcess(['serve', '--port', '0', '--no-demo', '--allow-private-targets'], { work });
    try {
      const [, base, token] = await printed(
        cli,
        /open (http:\/\/127\.0\.0\.1:\d+)\/#setup-token=([\w-]+) in a browser/,
      );
      const stdout = (await printed(cli, /Private targets allowed/)).input ?? '';
      assert.match(stdout, /Private targets allowed: webhooks may reach loopback and private networks\./);
      const setup = (setupToken: string, headers: Record<string, string> = {}) =>
        fetch(`${base}/api/v1/session/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ password: 'a long admin password', setupToken }),
        });
      assert.equal((await setup('not-the-token')).status, 403);
      assert.equal((await setup(token!, { origin: 'https://rebind.attacker.example' })).status, 403);
      const ok = await setup(token!, { origin: base! });
      assert.equal(ok.status, 200, await ok.text());
      assert.equal((await setup(token!)).status, 409);
    } finally {
      cli.kill();
      const run = await cli.done;
      assert.equal(run.code, 0, run.stderr);
    }
  });
});
