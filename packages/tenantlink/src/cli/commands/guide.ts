import { Option } from '@commander-js/extra-typings';
import { sandboxCloud } from '../../auth/clouds.js';
import { renderGuide } from '../../guide/render.js';
import { buildSetupGuide } from '../../guide/setup-guide.js';
import type { Cli } from '../context.js';
import { featuresOption } from '../options/features.js';

/** `tenantlink guide --features a,b`: the administrator's setup steps, without touching the data folder. */
export function registerGuideCommand({ program, io, globals }: Cli): void {
  program
    .command('guide')
    .description('print the steps an administrator follows to register the app for these features')
    .addOption(featuresOption().makeOptionMandatory())
    .addOption(
      new Option('--mode <mode>', 'how tenantlink will connect')
        .choices(['application', 'delegated', 'multi-tenant'] as const)
        .default('application'),
    )
    .option(
      '--redirect-uri <url>',
      'where sign-in or admin consent returns to (delegated web sign-in, multi-tenant): https, or http to localhost, 127.0.0.1 or [::1]',
    )
    .option('--app-name <name>', 'the name of the app registration', 'tenantlink connector')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['markdown', 'html', 'json'] as const)
        .default('markdown'),
    )
    .action((opts) => {
      const { json, sandbox } = globals();
      const guide = buildSetupGuide({
        features: opts.features,
        mode: opts.mode,
        appName: opts.appName,
        ...(opts.redirectUri ? { redirectUri: opts.redirectUri } : {}),
        ...(sandbox ? { cloud: sandboxCloud(sandbox).cloud } : {}),
      });
      io.out(renderGuide(guide, json ? 'json' : opts.format).trimEnd());
    });
}
