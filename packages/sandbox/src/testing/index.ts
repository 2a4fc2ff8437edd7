/**
 * `@tenantlink/sandbox/testing`: what tests outside the sandbox use to drive it. A harness that starts a sandbox
 * in-process and trusts its CA, MSAL clients wired to it, a cookie-keeping browser for its sign-in pages, and the
 * sandbox's copy of Microsoft Graph's published permissions (an independent source to check IDs against).
 *
 * `@azure/msal-node` is a peer dependency of this entry point only.
 */
export { GRAPH_PERMISSIONS, type GraphPermissionEntry } from '../tenant/graph-permissions.data.js';
export {
  asPage,
  asRedirect,
  Browser,
  type BrowserTarget,
  completeSignIn,
  type Page,
  type SignInOptions,
} from './browser.js';
export {
  type AadError,
  appToken,
  confidentialClient,
  createApp,
  expectAadError,
  graph,
  type Harness,
  type Json,
  publicClient,
  startHarness,
  TEST_DATA_DIR,
  type TestApp,
} from './harness.js';
