/** Builds a hint that names a tenantlink command, such as `tenantlink apikeys create --name <name>`. */
export type CommandHint = (args: string) => string;

/**
 * Hints name the command the way the user runs it: `npm run -s tenantlink -- …` from the repository's npm script
 * (npm sets npm_lifecycle_event to the script's name), `tenantlink …` when installed.
 */
export function commandHint(env: Record<string, string | undefined>): CommandHint {
  const command = env.npm_lifecycle_event === 'tenantlink' ? 'npm run -s tenantlink --' : 'tenantlink';
  return (args) => `${command} ${args}`;
}
