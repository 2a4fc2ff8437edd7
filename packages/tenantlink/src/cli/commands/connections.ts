import type { Cli } from '../context.js';
import { print } from '../io.js';
import { addCloudOptions, chooseCloud } from '../options/cloud.js';
import { addCredentialOptions, readCredential } from '../options/credential.js';
import { featuresOption } from '../options/features.js';
import { addTestUserOptions, testUsersFrom } from '../options/test-users.js';
import { registerSignInCommand } from './sign-in.js';

/** `tenantlink connections add|list|show|set-credential|remove|sign-in`. */
export function registerConnectionCommands(cli: Cli): void {
  const { io, withContext, hint } = cli;
  const connections = cli.program.command('connections').description('add, list, show and remove connections');

  const add = connections
    .command('add')
    .description('add a connection: one customer tenant through one app registration')
    .requiredOption('--name <name>', 'a name for the connection')
    .requiredOption('--tenant <tenant>', 'Directory (tenant) ID, or a verified domain such as contoso.onmicrosoft.com')
    .requiredOption('--client-id <id>', 'Application (client) ID of the app registration');
  addTestUserOptions(addCloudOptions(addCredentialOptions(add)))
    .addOption(featuresOption())
    .option('--multi-tenant', "the vendor's multi-tenant app, consented into this customer tenant")
    .option(
      '--secret-expires <date>',
      'when the client secret expires (Certificates & secrets shows it); the doctor warns 30 days ahead',
    )
    .action(
      withContext(async (ctx, opts) => {
        const credential = await readCredential(opts, io.stdin);
        const connection = await ctx.service.add({
          name: opts.name,
          tenant: opts.tenant,
          clientId: opts.clientId,
          cloud: chooseCloud(opts, ctx.sandbox),
          features: opts.features ?? [],
          settings: {
            ...testUsersFrom(opts),
            ...(opts.secretExpires ? { secretExpiresAt: opts.secretExpires } : {}),
          },
          multiTenant: opts.multiTenant === true,
          credential,
        });
        print(ctx.output, { connection }, () => [
          `Added connection '${connection.name}' (${connection.id}), ${connection.authMode} for tenant ${connection.tenant}.`,
          ...(connection.certificateThumbprint
            ? [`Certificate thumbprint: ${connection.certificateThumbprint} (compare with Certificates & secrets).`]
            : []),
          `Check it with: ${hint(`token ${connection.name}`)}`,
        ]);
      }),
    );

  connections
    .command('list')
    .description('list connections')
    .action(
      withContext(async (ctx) => {
        const list = await ctx.service.list();
        print(ctx.output, { connections: list }, () =>
          list.length === 0
            ? [`No connections yet. Add one with: ${hint('connections add --help')}`]
            : list.map((c) => `${c.name}\t${c.authMode}\t${c.tenant}\t${c.clientId}\t${c.features.join(',') || '-'}`),
        );
      }),
    );

  connections
    .command('show <connection>')
    .description('show a connection (never its secrets)')
    .action(
      withContext(async (ctx, idOrName) => {
        const c = await ctx.service.show(idOrName);
        print(ctx.output, { connection: c }, () => [
          `Name:        ${c.name}`,
          `ID:          ${c.id}`,
          `Tenant:      ${c.tenant}`,
          `Client ID:   ${c.clientId}`,
          `Auth mode:   ${c.authMode}`,
          `Cloud:       ${typeof c.cloud === 'string' ? c.cloud : `${c.cloud.authorityHost} / ${c.cloud.graphEndpoint}`}`,
          `Features:    ${c.features.join(', ') || '-'}`,
          ...(c.certificateThumbprint ? [`Thumbprint:  ${c.certificateThumbprint}`] : []),
          ...(c.settings.secretExpiresAt ? [`Secret ends: ${String(c.settings.secretExpiresAt).slice(0, 10)}`] : []),
          ...(c.settings.testUser ? [`Test user:   ${String(c.settings.testUser)}`] : []),
          ...(c.settings.serviceAccount ? [`Service acc: ${String(c.settings.serviceAccount)}`] : []),
          `Secrets:     ${c.secrets.map((s) => `${s.kind} (key ${s.keyId})`).join(', ') || '-'}`,
          `Created:     ${c.createdAt}`,
        ]);
      }),
    );

  addCredentialOptions(
    connections
      .command('set-credential <connection>')
      .description("replace a connection's client secret or certificate (after rotating it in the portal)"),
    'the new client secret',
  )
    .option('--secret-expires <date>', 'when the new client secret expires')
    .action(
      withContext(async (ctx, idOrName, opts) => {
        const credential = await readCredential(opts, io.stdin);
        const connection = await ctx.service.setCredential(idOrName, credential, {
          ...(opts.secretExpires ? { secretExpiresAt: opts.secretExpires } : {}),
        });
        print(ctx.output, { connection }, () => [
          `Replaced the credential of '${connection.name}'.`,
          `Check it with: ${hint(`doctor ${connection.name}`)}`,
        ]);
      }),
    );

  connections
    .command('remove <connection>')
    .description('remove a connection and its secrets')
    .action(
      withContext(async (ctx, idOrName) => {
        const removed = await ctx.service.remove(idOrName);
        print(ctx.output, { removed }, () => [`Removed connection '${removed.name}' and its secrets.`]);
      }),
    );

  registerSignInCommand(cli, connections);
}
