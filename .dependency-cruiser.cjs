/**
 * The arrows between tenantlink's folders, checked by `npm test` (scripts/check-dependencies.mjs runs dependency-cruiser
 * with this configuration, then looks for cycles between folders). docs/architecture.md explains the layers.
 */

/** tenantlink's folders, lowest first: a folder may import only folders before it (and files at the top of src/). */
const TENANTLINK_LAYERS = [
  'model',
  'logging',
  'outbound',
  'auth',
  'store',
  'graph',
  'jobs',
  'features',
  'catalogue',
  'connections',
  'doctor',
  'guide',
  'sync',
  'webhooks',
  'connect',
  'server',
  'cli',
];

const src = (folder) => `^packages/tenantlink/src/${folder}/`;

const layerRules = TENANTLINK_LAYERS.map((folder, i) => ({
  name: `layer-${folder}`,
  comment: `tenantlink/src/${folder} may not import a folder above it (${TENANTLINK_LAYERS.slice(i + 1).join(', ') || 'none'})`,
  severity: 'error',
  from: { path: src(folder) },
  to: { path: TENANTLINK_LAYERS.slice(i + 1).map(src) },
})).filter((rule) => rule.to.path.length > 0);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module may not import itself through others.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'top-files-import-nothing-above',
      comment: 'The files at the top of tenantlink/src (errors, tokens, backoff, json-depth) depend on no folder.',
      severity: 'error',
      from: { path: '^packages/tenantlink/src/[^/]+\\.ts$', pathNot: '^packages/tenantlink/src/index\\.ts$' },
      to: { path: '^packages/tenantlink/src/[^/]+/' },
    },
    ...layerRules,
    {
      name: 'sandbox-stands-apart',
      comment:
        'The sandbox plays Microsoft: it shares no code with tenantlink, so a shared bug cannot hide on both sides.',
      severity: 'error',
      from: { path: '^packages/sandbox/' },
      to: { path: ['^packages/tenantlink/', '^packages/console/'] },
    },
    {
      name: 'tenantlink-uses-the-built-sandbox',
      comment:
        'tenantlink (tests included) uses the sandbox as a package (@tenantlink/sandbox, …/testing), never its sources.',
      severity: 'error',
      from: { path: ['^packages/tenantlink/', '^bench/'] },
      to: { path: '^packages/sandbox/(src|test)/' },
    },
    {
      name: 'console-talks-http-only',
      comment: 'The console knows the server only through its API (types generated from the OpenAPI document).',
      severity: 'error',
      from: { path: '^packages/console/' },
      to: { path: ['^packages/tenantlink/', '^packages/sandbox/'] },
    },
    {
      name: 'tenantlink-sources-stay-out-of-tests',
      comment: 'Sources never import test code.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^packages/[^/]+/test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
