import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readOwnerConfig, type OwnerConfig } from '../../src/config';

/**
 * What every operations script shares: strict arguments (an unknown option is an error),
 * the validated configuration (the owner's only), and one way to fail: a message on stderr
 * and exit code 1.
 */
export function cliArgs<T extends ParseArgsConfig['options']>(usage: string, options: T, positionals: number) {
  try {
    const parsed = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: true });
    if (parsed.positionals.length !== positionals) throw new Error(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
    return parsed;
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: ${usage}`);
    process.exit(2);
  }
}

/** The owner's URL and UPLOAD_DIR only: never the app's DATABASE_URL, REDIS_URL or SESSION_SECRET. */
export function cliConfig(): OwnerConfig {
  return readOwnerConfig(process.env);
}

export function run(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(`${name} failed: ${error.message}`);
      process.exit(1);
    },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireUuid(value: string, what: string): string {
  if (!UUID.test(value)) throw new Error(`${what} must be a uuid, got "${value}"`);
  return value.toLowerCase();
}
