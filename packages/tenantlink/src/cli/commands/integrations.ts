import { Option } from '@commander-js/extra-typings';
import { type Integration, IntegrationService } from '../../connect/integrations.js';
import { type Cli, dataDirOf } from '../context.js';
import { print, UsageError } from '../io.js';
import { addCloudOptions, chooseCloud } from '../options/cloud.js';
import { addClientSecretOptions, readClientSecret } from '../options/credential.js';
import { featuresOption } from '../options/features.js';
import {
  integrationRedirectUri,
  type KnownRedirectUri,
  publicUrlOption,
  UNKNOWN_REDIRECT_URI,
} from '../options/public-url.js';
import { count } from '../plural.js';

const PUBLIC_URL_HELP =
  'where browsers and Microsoft reach tenantlink serve, for the redirect URI (default: $TENANTLINK_PUBLIC_URL, else the address of the serve running on this data folder)';

/** An integration as the CLI prints it: with the redirect URI its app registers (null when not known here). */
const withRedirectUri = (integration: Integration, redirect: KnownRedirectUri | undefined) => ({
  ...integration,
  redirectUri: redirect?.uri ?? null,
});

/** `tenantlink integrations add|list|update|remove`: the vendor's own app registrations that customers connect through. */
export function registerIntegrationCommands({ program, io, globals, withContext, hint }: Cli): void {
  const redirectUriOf = (publicUrl: string | undefined) =>
    integrationRedirectUri(publicUrl, io.env, dataDirOf(globals(), io.env));

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
    .option('--display-name <text>', 'the name customers see when they connect, such as "Acme CRM" (default: --name)')
    .option('--logo-url <url>', 'your logo, shown to customers when they connect: an https URL')
    .addOption(publicUrlOption(PUBLIC_URL_HELP))
    .action(
      withContext(async (ctx, opts) => {
        const redirect = redirectUriOf(opts.publicUrl);
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
          ...(opts.displayName === undefined ? {} : { displayName: opts.displayName }),
          ...(opts.logoUrl === undefined ? {} : { logoUrl: opts.logoUrl }),
        });
        print(ctx.output, { integration: withRedirectUri(integration, redirect) }, () => [
          `Added integration '${integration.name}' (${integration.id}), ${integration.authMode}, for ${integration.features.join(', ')}.`,
          `Customers see it as "${integration.displayName}"${integration.logoUrl ? `, with the logo ${integration.logoUrl}` : ''}.`,
          'In its app registration, add this Web redirect URI (Authentication > Add a platform > Web):',
          ...(redirect
            ? [`  ${redirect.uri}`, `  (from ${redirect.from})`]
            : [`  ${UNKNOWN_REDIRECT_URI.form}`, `  ${UNKNOWN_REDIRECT_URI.why}`]),
          `Then make connect links with POST /api/v1/connect-sessions {"integration": "${integration.name}"}.`,
        ]);
      }),
    );

  integrations
    .command('list')
    .description('list integrations (never their secrets), and the redirect URI their apps register')
    .addOption(publicUrlOption(PUBLIC_URL_HELP))
    .action(
      withContext(async (ctx, opts) => {
        const list = await new IntegrationService(ctx.store, ctx.service.vault).list();
        const redirect = redirectUriOf(opts.publicUrl);
        print(ctx.output, { integrations: list.map((i) => withRedirectUri(i, redirect)) }, () =>
          list.length === 0
            ? [`No integrations yet. Add one with: ${hint('integrations add --help')}`]
            : [
                ...list.map(
                  (i) =>
                    `${i.name}\t"${i.displayName}"\t${i.authMode}\t${i.clientId}\t${i.features.join(',')}\t${i.returnUrl}` +
                    (i.logoUrl ? `\tlogo ${i.logoUrl}` : '') +
                    (i.secretExpiresAt ? `\tsecret ends ${i.secretExpiresAt.slice(0, 10)}` : ''),
                ),
                redirect
                  ? `Web redirect URI of every integration's app: ${redirect.uri} (from ${redirect.from}).`
                  : `Web redirect URI of every integration's app: ${UNKNOWN_REDIRECT_URI.form}. ${UNKNOWN_REDIRECT_URI.why}`,
              ],
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
    .option('--display-name <text>', 'the name customers see when they connect')
    .option('--logo-url <url>', 'your logo, shown to customers when they connect: an https URL')
    .option('--no-logo-url', 'show no logo')
    .action(
      withContext(async (ctx, idOrName, opts) => {
        const clientSecret = await readClientSecret(opts, io.stdin, { required: false });
        const { features, returnUrl, secretExpires: secretExpiresAt, displayName } = opts;
        const logoUrl = opts.logoUrl === false ? null : opts.logoUrl;
        if ([clientSecret, features, returnUrl, secretExpiresAt, displayName, logoUrl].every((v) => v === undefined))
          throw new UsageError(
            'Nothing to change: give --client-secret-file F, --client-secret-stdin, --features, --return-url, ' +
              '--secret-expires, --display-name, --logo-url or --no-logo-url.',
          );
        const result = await new IntegrationService(ctx.store, ctx.service.vault, ctx.service).update(idOrName, {
          ...(clientSecret === undefined ? {} : { clientSecret }),
          ...(features === undefined ? {} : { features }),
          ...(returnUrl === undefined ? {} : { returnUrl }),
          ...(secretExpiresAt === undefined ? {} : { secretExpiresAt }),
          ...(displayName === undefined ? {} : { displayName }),
          ...(logoUrl === undefined ? {} : { logoUrl }),
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
