import { createClient } from 'redis';
import type { Logger } from './logger';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The shared Redis client (sessions, rate limits). With the offline queue disabled a
 * command fails at once while Redis is down, so requests answer 503 instead of hanging,
 * and the client reconnects by itself when Redis is back.
 */
export function createRedis(url: string, logger: Logger): RedisClient {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
  let healthy = true;
  client.on('error', (error: Error) => {
    if (healthy) logger.warn({ err: error.message }, 'redis unavailable');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info('redis available again');
    healthy = true;
  });
  return client;
}
