import express from 'express';
import helmet from 'helmet';
import { problemHandler } from './errors';
import type { AppDeps } from './deps';
import { requestLogging, opsRouter, metricsMiddleware } from './ops/router';
import { requireJsonBodies } from './http/content-type';
import { jsonBodies } from './http/json-body';
import { answerOptions, noRoute } from './http/no-route';
import { authentication, authRouter } from './auth/router';
import { usersRouter } from './users/router';
import { workspacesRouter } from './workspaces/router';
import { projectsRouter } from './projects/router';
import { tasksRouter } from './tasks/router';
import { documentsRouter } from './documents/router';
import { attachmentsRouter } from './attachments/router';
import { activityRouter } from './activity/router';

/** The Express app: middleware in order, the routers, then the one problem+json handler. */
export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  app.set('trust proxy', deps.config.trustProxy);
  app.disable('x-powered-by');
  // The only ETag is a document's version (SPEC); Express's body-hash ETags also landed on 412/428 problems.
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestLogging(deps));
  app.use(metricsMiddleware());
  app.use(helmet());
  // Answers are per user, and some show a secret once (a new API token): no cache keeps them.
  // The attachment download and the static /docs set their own.
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(answerOptions);
  // Operations endpoints come first: no session, no body parsing.
  app.use(opsRouter(deps));

  app.use(requireJsonBodies());
  app.use(jsonBodies(deps.config.maxJsonBytes));
  app.use(authentication(deps));

  // The hottest routes first: Express tries every route of every router before them. No two
  // routers share a method and path, so the order changes nothing else.
  app.use(tasksRouter(deps));
  app.use(projectsRouter(deps));
  app.use(documentsRouter(deps));
  app.use(authRouter(deps));
  app.use(usersRouter(deps));
  app.use(workspacesRouter(deps));
  app.use(attachmentsRouter(deps));
  app.use(activityRouter(deps));

  app.use(noRoute);
  app.use(problemHandler(deps.logger));
  return app;
}
