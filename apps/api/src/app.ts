// Builds the Nest application (not yet listening): used by main.ts and by tests.
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Database } from '#prisma/database';
import type { SealKeys } from '#prisma/sealed-json';
import type { Logger } from '../../shared/logger';
import type { EraseMode } from '#workflows/contracts/deploy';
import type { Cidr } from '#workflows/domain/image-networks';
import { AppModule } from './app.module';
import { IronicErrorFilter } from './common/error.filter';
import { BadRequestError } from './common/errors';
import { formatVersion, MAX_VERSION, MIN_VERSION, microversionMiddleware } from './common/microversion';
import { authMiddleware, type AuthConfig } from './common/request-context';
import { callbackRateLimit, CallbackLimiter, type CallbackLimits } from './deployments/callback-limiter';
import { DEFAULT_DISCOVERY_SOURCES, discoveryGuard, type DiscoverySettings } from './discovery/discovery-guard';
import { parseCidrList } from '#workflows/domain/image-networks';
import { ApiSettings } from './infra/settings';
import { Store } from './infra/store';
import { Workflows } from './infra/workflows';
import type { BootMode } from '#workflows/domain/boot-mode';

export interface BuildAppOptions {
  db: Database;
  keys: SealKeys;
  temporal: Client;
  taskQueue: string;
  auth: AuthConfig;
  conductor: string;
  maxLimit: number;
  bodyLimitBytes: number;
  log: Logger;
  automatedClean?: EraseMode | 'none';
  callbackTimeoutSec?: number;
  /** Non-public networks image URLs may name (default loopback only). */
  imageAllowedNetworks?: Cidr[];
  /** Rate limits of the deploy ramdisk's callbacks (default DEFAULT_CALLBACK_LIMITS). */
  callbackLimits?: CallbackLimits;
  /** Where `<node name>/console.log` files are, for the operation's console tail (null: none). */
  consoleLogDir?: string | null;
  /** Boot mode of nodes that name none (default bios). */
  defaultBootMode?: BootMode;
  /** How long an inspection waits for the ramdisk's inventory (default 1800 s). */
  inspectTimeoutSec?: number;
  /** POST /v1/discovery (default off; when on, from loopback only unless sources say otherwise). */
  discovery?: DiscoverySettings;
}

function parseJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const text = typeof req.body === 'string' ? req.body : '';
  if (text.trim() === '') {
    req.body = undefined;
    next();
    return;
  }
  try {
    req.body = JSON.parse(text);
    next();
  } catch (e) {
    next(new BadRequestError(`Malformed JSON in request body: ${(e as Error).message}. Send a valid JSON document.`));
  }
}

export async function buildApp(o: BuildAppOptions): Promise<NestExpressApplication> {
  const settings = new ApiSettings(
    o.conductor,
    o.maxLimit,
    o.taskQueue,
    o.automatedClean,
    o.callbackTimeoutSec,
    o.imageAllowedNetworks,
    o.consoleLogDir ?? null,
    o.defaultBootMode,
    o.inspectTimeoutSec,
  );
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ store: new Store(o.db, o.keys), workflows: new Workflows(o.temporal, o.taskQueue, o.conductor), settings }),
    { bodyParser: false, logger: false },
  );
  const filter = new IronicErrorFilter(o.log);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      o.log.info(
        {
          reqId: res.getHeader('openstack-request-id'),
          actor: req.ctx?.actor,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    next();
  });
  app.use(authMiddleware(o.auth));
  app.use('/v1', microversionMiddleware);
  // Before the body parser: a throttled callback flood costs no body reading and no database lookup.
  app.use(callbackRateLimit(new CallbackLimiter(o.callbackLimits)));
  app.use(discoveryGuard(o.discovery ?? { enabled: false, sources: parseCidrList(DEFAULT_DISCOVERY_SOURCES) }));
  // Ironic is JSON only: read every body as JSON whatever its Content-Type (DELETE sends octet-stream).
  app.use(express.text({ limit: o.bodyLimitBytes, type: () => true }));
  app.use(parseJsonBody);
  app.useGlobalFilters(filter);
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Ironflow API')
      .setDescription(
        `OpenStack Ironic v1 compatible bare-metal provisioning API. Send X-OpenStack-Ironic-API-Version (${formatVersion(MIN_VERSION.minor)}-${formatVersion(MAX_VERSION.minor)}, or latest).`,
      )
      .setVersion(formatVersion(MAX_VERSION.minor))
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  // Errors raised by express middleware (auth, version, body parsing) before Nest's router.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    filter.catch(err, { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as never);
  });
  // The deploy ramdisk posts through busybox nc, which half-closes its side once the request is sent.
  // Node's HTTP server would then end the socket and drop any answer not yet written (a callback that
  // signals a workflow and writes the database takes longer): keep the socket open for the answer.
  (app.getHttpServer() as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return app;
}
