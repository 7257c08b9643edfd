import type { DataSource } from 'typeorm';
import type { RegistryStore } from './auth/session';
import type { Config } from './config';
import type { WithTenant } from './db/tenant';
import type { Logger } from './logger';
import type { RedisClient } from './redis';

/**
 * What a resource router gets: its data only through withTenant, which hands the work an
 * EntityManager bound to the request's tenant transaction. No DataSource, no global manager.
 */
export interface RouterDeps {
  config: Config;
  logger: Logger;
  withTenant: WithTenant;
  redis: RedisClient;
  /** Sessions outside Redis (the demo's fallback when Redis is absent); Redis otherwise. */
  sessionStore?: RegistryStore;
}

/**
 * The whole wiring: the routers' deps plus the DataSource, which only the app's own plumbing
 * uses (readiness, pool metrics, the bearer-token look-up before a user is known).
 */
export interface AppDeps extends RouterDeps {
  dataSource: DataSource;
}
