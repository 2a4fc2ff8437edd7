import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FEATURES } from '../../connections/model.js';
import type { ConnectionDetails, ConnectionService } from '../../connections/service.js';
import { TenantlinkError } from '../../errors.js';
import type { DoctorRun, DoctorRunSummary, DoctorRunsRepository } from '../../store/doctor-runs-repository.js';
import { RATE_LIMITS } from '../rate-limits.js';
import { cloudChoiceSchema, errorResponses, storedCloudSchema } from '../schemas.js';

const settings = z
  .object({
    testUser: z.string().optional(),
    serviceAccount: z.string().optional(),
    secretExpiresAt: z.string().optional(),
  })
  .catchall(z.unknown());
const certificate = z.object({
  certificatePem: z.string().min(1).max(65_536),
  privateKeyPem: z.string().max(65_536).optional(),
});
const featureList = z.array(z.enum(FEATURES)).max(FEATURES.length);

const connectionView = z.object({
  id: z.string(),
  name: z.string(),
  tenantId: z.string(),
  clientId: z.string(),
  authMode: z.enum(['secret', 'certificate', 'delegated', 'multi-tenant']),
  cloud: storedCloudSchema,
  features: z.array(z.string()),
  settings,
  certificateThumbprint: z.string().nullable(),
  secrets: z.array(z.object({ kind: z.string(), updatedAt: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  health: z.object({
    lastTest: z
      .object({
        id: z.string(),
        at: z.string(),
        ok: z.boolean(),
        errors: z.number(),
        warnings: z.number(),
        token: z.enum(['ok', 'failing', 'unknown']),
      })
      .nullable(),
    secretExpiresAt: z.string().nullable(),
  }),
});
const finding = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  feature: z.string().nullable(),
  message: z.string(),
  fix: z.string(),
});
const testRun = z.object({
  id: z.string(),
  connectionId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), status: z.enum(['pass', 'fail', 'skipped']) })),
  findings: z.array(finding),
});

const createBody = z
  .object({
    name: z.string().min(1).max(100),
    tenantId: z.string().min(1).max(253),
    clientId: z.string().min(1).max(64),
    authMode: z.enum(['secret', 'certificate', 'multi-tenant']),
    clientSecret: z.string().min(1).max(1024).optional(),
    certificate: certificate.optional(),
    features: featureList.default([]),
    cloud: cloudChoiceSchema.optional(),
    settings: settings.default({}),
  })
  .superRefine((body, ctx) => {
    const credentials = [body.clientSecret, body.certificate].filter((c) => c !== undefined).length;
    if (body.authMode === 'certificate' && !body.certificate)
      ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'a certificate connection needs certificate' });
    if (body.authMode === 'secret' && !body.clientSecret)
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'a secret connection needs clientSecret' });
    if (credentials !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: 'give exactly one of clientSecret and certificate',
      });
  });
const patchBody = z
  .object({
    name: z.string().min(1).max(100).optional(),
    features: featureList.optional(),
    settings: settings.optional(),
    clientSecret: z.string().min(1).max(1024).optional(),
    certificate: certificate.optional(),
  })
  .refine((b) => !(b.clientSecret && b.certificate), { message: 'give at most one of clientSecret and certificate' });
const idParams = z.object({ id: z.string().min(1).max(200) });

export interface ConnectionRoutesOptions {
  service: ConnectionService;
  /** The cloud of connections added without one (the sandbox's under `serve --sandbox`); default global. */
  defaultCloud?: { authorityHost: string; graphEndpoint: string };
  doctorRuns: DoctorRunsRepository;
  /** Runs a connection's test (a doctor job on the runner) and answers the recorded run. */
  runTest: (connectionId: string) => Promise<DoctorRun>;
  /** Called after each test run (metrics). */
  onTestRun?: (run: DoctorRun) => void;
}

/** Connections CRUD (secrets write-only), "Run test" (the doctor) and its history. */
export const connectionRoutes: FastifyPluginAsyncZod<ConnectionRoutesOptions> = async (
  app,
  { service, doctorRuns, runTest, onTestRun, defaultCloud },
) => {
  const view = (c: ConnectionDetails, lastTest: DoctorRunSummary | undefined): z.infer<typeof connectionView> => ({
    id: c.id,
    name: c.name,
    tenantId: c.tenant,
    clientId: c.clientId,
    authMode: c.authMode,
    cloud: c.cloud as z.infer<typeof storedCloudSchema>,
    features: c.features,
    settings: c.settings,
    certificateThumbprint: c.certificateThumbprint,
    // Which secrets exist and when they changed; never their values or the key that encrypts them.
    secrets: c.secrets.filter((s) => s.kind !== 'token_cache').map((s) => ({ kind: s.kind, updatedAt: s.updatedAt })),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    health: {
      lastTest: lastTest ?? null,
      secretExpiresAt: typeof c.settings.secretExpiresAt === 'string' ? c.settings.secretExpiresAt : null,
    },
  });
  const one = async (idOrName: string) => {
    const details = await service.show(idOrName);
    return view(details, (await doctorRuns.latest([details.id])).get(details.id));
  };

  app.get(
    '/connections',
    {
      schema: {
        tags: ['connections'],
        summary: 'List connections with their health',
        response: { 200: z.object({ connections: z.array(connectionView) }) },
      },
    },
    async () => {
      const details = await service.listDetails();
      const latest = await doctorRuns.latest(details.map((c) => c.id));
      return { connections: details.map((d) => view(d, latest.get(d.id))) };
    },
  );

  app.post(
    '/connections',
    {
      schema: {
        tags: ['connections'],
        summary: 'Add a connection (the secret or certificate is write-only)',
        body: createBody,
        response: { 201: z.object({ connection: connectionView }), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await service.add({
        name: b.name,
        tenant: b.tenantId,
        clientId: b.clientId,
        cloud: b.cloud !== undefined ? service.chooseCloud(b.cloud) : (defaultCloud ?? 'global'),
        features: b.features,
        settings: b.settings,
        multiTenant: b.authMode === 'multi-tenant',
        credential: b.certificate ? { certificate: b.certificate } : { clientSecret: b.clientSecret! },
      });
      return reply.code(201).send({ connection: await one(created.id) });
    },
  );

  app.get(
    '/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'One connection (never its secrets)',
        params: idParams,
        response: { 200: z.object({ connection: connectionView }), ...errorResponses(404) },
      },
    },
    async (request) => ({ connection: await one(request.params.id) }),
  );

  app.patch(
    '/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'Change a connection; a new clientSecret or certificate replaces the stored one',
        params: idParams,
        body: patchBody,
        response: { 200: z.object({ connection: connectionView }), ...errorResponses(400, 404, 409) },
      },
    },
    async (request) => {
      const { clientSecret, certificate: cert, ...changes } = request.body;
      const { id } = await service.show(request.params.id);
      if (clientSecret || cert) {
        const expiry = changes.settings?.secretExpiresAt;
        await service.setCredential(id, clientSecret ? { clientSecret } : { certificate: cert! }, {
          ...(typeof expiry === 'string' ? { secretExpiresAt: expiry } : {}),
        });
      }
      if (Object.keys(changes).length > 0) await service.update(id, changes);
      return { connection: await one(id) };
    },
  );

  app.delete(
    '/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'Remove a connection and its secrets',
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await service.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/connections/:id/test',
    {
      config: { rateLimit: RATE_LIMITS.runTest },
      schema: {
        tags: ['connections'],
        summary: 'Run test: the doctor checks the setup and names every mistake with its fix',
        params: idParams,
        response: { 200: z.object({ test: testRun }), ...errorResponses(400, 404, 429, 503) },
      },
    },
    async (request) => {
      const input = await service.doctorInput(request.params.id);
      const { id } = await service.show(request.params.id);
      if (input.features.length === 0)
        throw new TenantlinkError('INVALID_INPUT', 'The connection has no features to test; choose some first.');
      const run = await runTest(id);
      onTestRun?.(run);
      return { test: run };
    },
  );

  app.get(
    '/connections/:id/tests',
    {
      schema: {
        tags: ['connections'],
        summary: 'Test history, newest first',
        params: idParams,
        response: { 200: z.object({ tests: z.array(testRun) }), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { id } = await service.show(request.params.id);
      return { tests: await doctorRuns.list(id) };
    },
  );
};
