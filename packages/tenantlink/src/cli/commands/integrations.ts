import { Option } from '@commander-js/extra-typings';
import { IntegrationService } from '../../connect/integrations.js';
import type { Cli } from '../context.js';
import { print, UsageError } from '../io.js';
import { addCloudOptions, chooseCloud } from '../options/cloud.js';
import { addClientSecretOptions, readClientSecret } from '../options/credential.js';
import { featuresOption } from '../options/features.js';
import { count } from '../plural.js';

/** `tenantlink integrations add|list|update|remove`: the vendor's own app registrations that customers connect through. */
export function registerIntegrationCommands({ program, io, withContext, hint }: Cli): void {
  const integrations = program
    .command('integrations')
    .description('your own app registrations that customers connect through (admin consent or sign-in)');

  const add = integrations
    .command('add')
    .description('add an integration: the app registration, its client secret, and where customers return to')
    .requiredOption('--name <name>', 'a name for the integration (connect links name it)')
    .requiredOption('--client-id <id>', 'Application (client) ID of the app registration');
  addCloudOptions(addClientSecretOptions(add))
    .addOption(featuresOption().makeOptionMandatory())
    .requiredOption('--return-url <url>', "where the customer's browser goes when connecting ends (your product)")
    .option('--secret-expires <date>', "the secret's expiry (YYYY-MM-DD): connections' tests warn 30 days ahead")
    .addOption(
      new Option('--mode <mode>', 'multi-tenant: admin consent; delegated: a user signs in')
        .choices(['multi-tenant', 'delegated'] as const)
        .default('multi-tenant' as const),
    )
    .action(
      withContext(async (ctx, opts) => {
        const clientSecret = await readClientSecret(opts, io.stdin, { required: true });
        const integration = await new IntegrationService(ctx.store, ctx.service.vault).add({
          name: opts.name,
          clientId: opts.clientId,
          authMode: opts.mode,
          cloud: chooseCloud(opts, ctx.sandbox),
          features: opts.features,
          returnUrl: opts.returnUrl,
          clientSecret,
          ...(opts.secretExpires ? { secretExpiresAt: opts.secretExpires } : {}),
        });
        print(ctx.output, { integration }, () => [
          `Added integration '${integration.name}' (${integration.id}), ${integration.authMode}, for ${integration.features.join(', ')}.`,
          'In its app registration, add this Web redirect URI (Authentication > Add a platform > Web):',
          '  <public URL of tenantlink serve>/connect/microsoft/callback',
          `Then make connect links with POST /api/v1/connect-sessions {"integration": "${integration.name}"}.`,
        ]);
      }),
    );

  integrations
    .command('list')
    .description('list integrations (never their secrets)')
    .action(
      withContext(async (ctx) => {
        const list = await new IntegrationService(ctx.store, ctx.service.vault).list();
        print(ctx.output, { integrations: list }, () =>
          list.length === 0
            ? [`No integrations yet. Add one with: ${hint('integrations add --help')}`]
            : list.map(
                (i) =>
                  `${i.name}\t${i.authMode}\t${i.clientId}\t${i.features.join(',')}\t${i.returnUrl}` +
                  (i.secretExpiresAt ? `\tsecret ends ${i.secretExpiresAt.slice(0, 10)}` : ''),
              ),
        );
      }),
    );

  const update = integrations
    .command('update <integration>')
    .description(
      'change an integration (by name or id): a new client secret is also written into every connection made through it',
    );
  addClientSecretOptions(update, 'the new client secret')
    .addOption(featuresOption('features for tenants connecting from now on (connections made keep theirs)'))
    .option('--return-url <url>', "where the customer's browser goes when connecting ends")
    .option('--secret-expires <date>', "the (new) secret's expiry, YYYY-MM-DD; copied to the connections")
    .action(
      withContext(async (ctx, idOrName, opts) => {
        const clientSecret = await readClientSecret(opts, io.stdin, { required: false });
        const { features, returnUrl, secretExpires: secretExpiresAt } = opts;
        if ([clientSecret, features, returnUrl, secretExpiresAt].every((v) => v === undefined))
          throw new UsageError(
            'Nothing to change: give --client-secret-file F, --client-secret-stdin, --features, --return-url or --secret-expires.',
          );
        const result = await new IntegrationService(ctx.store, ctx.service.vault, ctx.service).update(idOrName, {
          ...(clientSecret === undefined ? {} : { clientSecret }),
          ...(features === undefined ? {} : { features }),
          ...(returnUrl === undefined ? {} : { returnUrl }),
          ...(secretExpiresAt === undefined ? {} : { secretExpiresAt }),
        });
        const updated = result.connectionsUpdated;
        print(ctx.output, result, () => [
          `Updated integration '${result.integration.name}'.`,
          ...(clientSecret === undefined && secretExpiresAt === undefined
            ? []
            : updated.length === 0
              ? ['No connection made through it holds a client secret.']
              : [
                  `${clientSecret === undefined ? "The secret's expiry is now recorded on" : 'The new client secret is now used by'} ${count(updated.length, 'connection')}: ${updated.join(', ')}.`,
                ]),
        ]);
      }),
    );

  integrations
    .command('remove <integration>')
    .description('remove an integration (by name or id) and its pending connect links; its connections stay')
    .action(
      withContext(async (ctx, idOrName) => {
        const removed = await new IntegrationService(ctx.store, ctx.service.vault).remove(idOrName);
        print(ctx.output, { removed }, () => [
          `Removed integration '${removed.name}'. Connections made through it stay; remove each with: ${hint('connections remove <connection>')}`,
        ]);
      }),
    );
}
