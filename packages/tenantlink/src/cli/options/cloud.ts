import type { Command, OptionValues } from '@commander-js/extra-typings';
import { CLOUDS, type Cloud, type CloudEndpoints, isNationalCloud } from '../../auth/clouds.js';
import { UsageError } from '../io.js';

export interface CloudOptions {
  cloud?: string;
  authorityHost?: string;
  graphEndpoint?: string;
}

const NATIONAL_CLOUDS = Object.keys(CLOUDS).join(', ');

/** `--cloud NAME`, or a custom cloud with `--authority-host URL --graph-endpoint URL`. */
export function addCloudOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option('--cloud <cloud>', `${NATIONAL_CLOUDS} (default global; --sandbox sets its own)`)
    .option('--authority-host <url>', 'a custom cloud: its identity platform host (with --graph-endpoint)')
    .option('--graph-endpoint <url>', 'a custom cloud: its Microsoft Graph endpoint (with --authority-host)');
}

/** The cloud chosen with the options above or `--sandbox` (at most one way); global when none was. */
export function chooseCloud(opts: CloudOptions, sandbox: CloudEndpoints | undefined): Cloud {
  const custom = opts.authorityHost || opts.graphEndpoint;
  if ([opts.cloud, custom, sandbox].filter(Boolean).length > 1)
    throw new UsageError('Choose one cloud: --cloud, --authority-host with --graph-endpoint, or --sandbox.');
  if (sandbox) return { authorityHost: sandbox.authorityHost, graphEndpoint: sandbox.graphEndpoint };
  if (custom) {
    if (!opts.authorityHost || !opts.graphEndpoint)
      throw new UsageError('A custom cloud needs both --authority-host and --graph-endpoint.');
    return { authorityHost: opts.authorityHost, graphEndpoint: opts.graphEndpoint };
  }
  if (opts.cloud === undefined) return 'global';
  if (!isNationalCloud(opts.cloud))
    throw new UsageError(
      `Unknown cloud '${opts.cloud}': use ${NATIONAL_CLOUDS}, or a custom cloud's --authority-host with --graph-endpoint.`,
    );
  return opts.cloud;
}
