/** Flags shared by commands that open the store directly (keys, export). */
import { openStore, type Store } from '@vigil/core';
import { loadConfig } from '../../config/config.js';
import type { CliIO } from '../io.js';

export const STORE_FLAGS = {
  config: { type: 'string' as const },
  'data-dir': { type: 'string' as const },
  store: { type: 'string' as const },
};

export const STORE_FLAGS_HELP = [
  '  --data-dir <dir>    data directory of the embedded store [env VIGIL_DATA_DIR, default ./.vigil]',
  '  --store <url>       store URL (postgres://…) instead of --data-dir [env VIGIL_STORE]',
  '  --config <file>     YAML config file [env VIGIL_CONFIG]',
].join('\n');

export async function openStoreFromFlags(
  values: { config?: string; 'data-dir'?: string; store?: string },
  io: CliIO,
): Promise<Store> {
  const { config } = loadConfig({
    flags: { 'data-dir': values['data-dir'], store: values.store },
    env: io.env,
    cwd: io.cwd,
    configFile: values.config,
  });
  let store: Store;
  try {
    store = await openStore({ url: config.store || undefined, dataDir: config.dataDir });
  } catch (err) {
    const msg = (err as Error).message;
    if (/lock/i.test(msg)) {
      throw new Error(
        `the store in ${config.dataDir} is in use by a running server (${msg.split('\n')[0]}); stop it or use the HTTP API`,
      );
    }
    throw err;
  }
  await store.migrate();
  return store;
}
