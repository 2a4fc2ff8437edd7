export type { IdentitySettings } from './identity/context.js';
export {
  type RunningSandbox,
  type SandboxOptions,
  type SandboxState,
  type SandboxTenantSummary,
  startSandbox,
} from './sandbox.js';
