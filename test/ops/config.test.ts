import { expect } from 'chai';
import { ConfigError, readConfig, readOwnerConfig, readSetupConfig } from '../../src/config';

/**
 * What each process kind reads from the environment, and what production refuses. No
 * services: the configuration is a pure function of the environment it is given.
 */
const PRODUCTION_SERVER = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://pm_app:s3cret-app-password@pgbouncer:5432/pm',
  REDIS_URL: 'redis://redis:6379',
  SESSION_SECRET: 'a-session-secret-of-this-deployment-0123456789',
};

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('configuration', () => {
  describe('of the server', () => {
    it('starts in production without MIGRATION_DATABASE_URL, the owner credentials it never uses', () => {
      const config = readConfig(PRODUCTION_SERVER);
      expect(config.databaseUrl).to.equal(PRODUCTION_SERVER.DATABASE_URL);
      expect(config).not.to.have.property('migrationDatabaseUrl');
    });

    it('names every missing setting at once in production', () => {
      const message = refusal(() => readConfig({ NODE_ENV: 'production' }));
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET']) expect(message).to.contain(`${name}: required when NODE_ENV=production`);
      expect(message).not.to.contain('MIGRATION_DATABASE_URL');
    });

    for (const secret of ['local-development-secret-change-me-0123456789', 'compose-local-session-secret-change-me-0123456789']) {
      it(`refuses the published session secret ${secret.slice(0, 14)}... in production`, () => {
        const message = refusal(() => readConfig({ ...PRODUCTION_SERVER, SESSION_SECRET: secret }));
        expect(message).to.match(/SESSION_SECRET: is a default published with this project/);
      });
    }

    it('refuses the published database passwords in production (pm_app:pm_app and the like), replicas included', () => {
      const message = refusal(() => readConfig({
        ...PRODUCTION_SERVER,
        DATABASE_URL: 'postgres://pm_app:pm_app@db.internal:6432/pm',
        DATABASE_REPLICA_URLS: 'postgres://pm_app:s3cret@replica-1/pm,postgres://pm_app:postgres@replica-2/pm',
      }));
      expect(message).to.match(/DATABASE_URL: has a password that is a default published with this project/);
      expect(message).to.match(/DATABASE_REPLICA_URLS\[1\]: has a password that is a default/);
      expect(message).not.to.contain('DATABASE_REPLICA_URLS[0]');
    });

    it('keeps the local defaults outside production', () => {
      const config = readConfig({ NODE_ENV: 'development' });
      expect(config.sessionSecret).to.equal('local-development-secret-change-me-0123456789');
      expect(new URL(config.databaseUrl).password).to.equal('pm_app');
    });

    it('reads METRICS_TOKEN, and refuses a short one', () => {
      expect(readConfig({ ...PRODUCTION_SERVER, METRICS_TOKEN: 'x'.repeat(32) }).metricsToken).to.equal('x'.repeat(32));
      expect(readConfig(PRODUCTION_SERVER).metricsToken).to.equal(null);
      expect(refusal(() => readConfig({ ...PRODUCTION_SERVER, METRICS_TOKEN: 'short' }))).to.contain('METRICS_TOKEN');
    });
  });

  describe('of the operations scripts', () => {
    it('needs only MIGRATION_DATABASE_URL in production, never DATABASE_URL, REDIS_URL or SESSION_SECRET', () => {
      const config = readOwnerConfig({ NODE_ENV: 'production', MIGRATION_DATABASE_URL: 'postgres://pm_owner:0wner-s3cret@postgres/pm' });
      expect(config).to.deep.equal({ env: 'production', migrationDatabaseUrl: 'postgres://pm_owner:0wner-s3cret@postgres/pm', uploadDir: 'uploads' });
      expect(refusal(() => readOwnerConfig({ NODE_ENV: 'production' }))).to.equal(
        'Invalid configuration:\n  MIGRATION_DATABASE_URL: required when NODE_ENV=production');
    });

    it('refuses the published owner password in production', () => {
      const message = refusal(() => readOwnerConfig({ NODE_ENV: 'production', MIGRATION_DATABASE_URL: 'postgres://pm_owner:pm_owner@postgres/pm' }));
      expect(message).to.contain('MIGRATION_DATABASE_URL: has a password that is a default published with this project');
    });
  });

  describe('of db:setup', () => {
    it('takes no default for any URL, in any environment', () => {
      const message = refusal(() => readSetupConfig({ NODE_ENV: 'development' }));
      for (const name of ['ADMIN_DATABASE_URL', 'MIGRATION_DATABASE_URL', 'DATABASE_URL']) expect(message).to.contain(`${name}: required`);
    });
  });
});
