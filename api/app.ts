import express from 'express';
import { authenticate } from './http/actor';
import { errorHandler, unknownRoute } from './http/errors';
import { idempotency } from './http/idempotency';
import { ackLimiter, loginLimiter, securityHeaders } from './http/security';
import { buildOpenApiDocument } from './openapi/registry';
import { adminRoutes } from './routes/admin';
import { authRoutes } from './routes/auth';
import { codecRoutes } from './routes/codec';
import { dashboardRoutes } from './routes/dashboard';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { mspRoutes } from './routes/msp';
import { operatorRoutes } from './routes/operator';
import { pageRoutes } from './routes/pages';
import { planRoutes } from './routes/plans';
import { requestRoutes } from './routes/requests';
import { retentionRoutes } from './routes/retention';
import { visitRoutes } from './routes/visits';
import type { AppDeps } from './deps';

/** Builds the Express app without listening, so tests drive it with supertest. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders(deps.config));
  app.use(express.json({ limit: '100kb' }));
  app.use('/auth/login', loginLimiter(deps.config));
  app.use('/visits/ack', ackLimiter(deps.config));
  app.use(authenticate(deps.db));
  app.use(idempotency(deps.db));
  app.use(healthRoutes(deps));
  app.use(authRoutes(deps));
  app.use(adminRoutes(deps));
  app.use(visitRoutes(deps));
  app.use(dashboardRoutes(deps));
  app.use(planRoutes(deps));
  app.use(mspRoutes(deps));
  app.use(requestRoutes(deps));
  app.use(operatorRoutes(deps));
  app.use(codecRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(retentionRoutes(deps));
  app.use(pageRoutes());
  // Routes register their schemas on import, so the document is built after them.
  const openApi = buildOpenApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(unknownRoute);
  app.use(errorHandler(deps.log));
  return app;
}
