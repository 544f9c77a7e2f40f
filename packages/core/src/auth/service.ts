/**
 * Key verification on the hot path (every ingest request) plus key management and first-start
 * bootstrap. Verified keys are cached briefly so a busy exporter costs one SHA-256 and a map
 * lookup per request, not a database round trip; revocation through this service takes effect at
 * once, revocation by another server instance sharing the store within `cacheTtlMs`.
 */
import type { ApiKeyRecord, Role, Store } from '../store/store.js';
import { generateApiKey, hashApiKey, isRole, looksLikeApiKey, newKeyRecord } from './keys.js';

export const DEFAULT_PROJECT = 'default';

export interface AuthServiceOptions {
  /** How long a verified (or unknown) key stays cached. */
  cacheTtlMs?: number;
  /** Upper bound on cached entries, so random bad keys cannot grow memory. */
  cacheMaxEntries?: number;
  /** Minimum interval between `lastUsed` writes for one key. */
  touchIntervalMs?: number;
}

export interface AuthBootstrapResult {
  /** True when this start created the default project. */
  createdProject: boolean;
  /** Plaintext of an admin key created by this call (first start only); never retrievable later. */
  createdKey: string | null;
  /** True when the key passed as `ensureKey` was added by this call. */
  ensuredKeyAdded: boolean;
}

interface CacheEntry {
  record: ApiKeyRecord | null;
  expires: number;
}

export class KeyError extends Error {
  constructor(
    readonly code: 'invalid_role' | 'invalid_name' | 'invalid_key' | 'not_found',
    message: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }
}

export class AuthService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touched = new Map<string, number>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly touchInterval: number;

  constructor(
    private readonly store: Store,
    opts: AuthServiceOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? 10_000;
    this.maxEntries = opts.cacheMaxEntries ?? 10_000;
    this.touchInterval = opts.touchIntervalMs ?? 60_000;
  }

  /** Returns the active key record for a plaintext key, or null when unknown or revoked. */
  async verify(key: string | undefined | null): Promise<ApiKeyRecord | null> {
    if (!key || !looksLikeApiKey(key)) return null;
    const hash = hashApiKey(key);
    const now = Date.now();
    const hit = this.cache.get(hash);
    let record: ApiKeyRecord | null;
    if (hit && hit.expires > now) {
      record = hit.record;
    } else {
      const found = await this.store.findApiKeyByHash(hash);
      record = found && found.revokedUs == null ? found : null;
      if (this.cache.size >= this.maxEntries) this.evictExpired(now);
      if (this.cache.size < this.maxEntries) this.cache.set(hash, { record, expires: now + this.ttl });
    }
    if (record) this.touch(record.id, now);
    return record;
  }

  async create(project: string, name: string, role: Role): Promise<{ record: ApiKeyRecord; key: string }> {
    if (!isRole(role)) throw new KeyError('invalid_role', `role must be one of admin, member, viewer, ingest`);
    const trimmed = typeof name === 'string' ? name.trim() : '';
    if (!trimmed || trimmed.length > 200) throw new KeyError('invalid_name', 'name must be 1..200 characters');
    const key = generateApiKey();
    const record = newKeyRecord(key, { project, name: trimmed, role });
    await this.store.createApiKey(record);
    return { record, key };
  }

  list(project: string): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys(project);
  }

  async revoke(project: string, id: string): Promise<boolean> {
    const ok = await this.store.revokeApiKey(project, id, Date.now() * 1000);
    // The cache is keyed by hash, which the caller does not have: drop entries for this id.
    for (const [hash, entry] of this.cache) if (entry.record?.id === id) this.cache.delete(hash);
    return ok;
  }

  /**
   * First start: creates the default project and, unless `ensureKey` supplies one, an admin key
   * whose plaintext is returned once. `ensureKey` (VIGIL_API_KEY) is made an admin key of the
   * default project if no key with its hash exists; repeating this on every start is harmless.
   */
  async bootstrap(opts: { ensureKey?: string | null } = {}): Promise<AuthBootstrapResult> {
    const result: AuthBootstrapResult = { createdProject: false, createdKey: null, ensuredKeyAdded: false };
    result.createdProject = await createUnlessPresent(
      async () => (await this.store.getProject(DEFAULT_PROJECT)) !== null,
      () => this.store.createProject({ id: DEFAULT_PROJECT, name: 'Default', createdUs: Date.now() * 1000 }),
    );
    const ensureKey = opts.ensureKey?.trim();
    if (ensureKey) {
      if (!looksLikeApiKey(ensureKey)) {
        throw new KeyError(
          'invalid_key',
          'VIGIL_API_KEY must be 1..512 visible ASCII characters without spaces (vgl_ keys from `vigil keys create` are best)',
        );
      }
      result.ensuredKeyAdded = await createUnlessPresent(
        async () => (await this.store.findApiKeyByHash(hashApiKey(ensureKey))) !== null,
        () =>
          this.store.createApiKey(
            newKeyRecord(ensureKey, { project: DEFAULT_PROJECT, name: 'VIGIL_API_KEY', role: 'admin' }),
          ),
      );
    } else if (result.createdProject) {
      result.createdKey = (await this.create(DEFAULT_PROJECT, 'bootstrap admin', 'admin')).key;
    }
    return result;
  }

  private evictExpired(now: number): void {
    for (const [hash, entry] of this.cache) if (entry.expires <= now) this.cache.delete(hash);
  }

  private touch(id: string, now: number): void {
    const last = this.touched.get(id) ?? 0;
    if (now - last < this.touchInterval) return;
    this.touched.set(id, now);
    // Best effort, off the request path: a failed lastUsed write must not fail the request.
    this.store.touchApiKey(id, now * 1000).catch(() => {});
  }
}

/**
 * Creates a row unless it exists; true when this call created it. Several instances starting at once
 * on a new shared database race here: the loser's insert fails on the unique key, and finding the
 * row there afterwards means another instance won, which is success too.
 */
async function createUnlessPresent(exists: () => Promise<boolean>, create: () => Promise<void>): Promise<boolean> {
  if (await exists()) return false;
  try {
    await create();
    return true;
  } catch (err) {
    if (await exists()) return false;
    throw err;
  }
}
