/**
 * The one place that talks HTTP. Every request carries the API key from the session; failures
 * become ApiError with the server's `{error: {code, message}}` so pages can show what went wrong.
 */

const KEY_STORAGE = 'vigil.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function getApiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setApiKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: the key lives only as long as this page.
  }
  for (const f of keyListeners) f(key);
}

const keyListeners = new Set<(key: string | null) => void>();
export function onApiKeyChange(f: (key: string | null) => void): () => void {
  keyListeners.add(f);
  return () => keyListeners.delete(f);
}

export type Params = Record<string, string | number | boolean | null | undefined>;

export function buildUrl(path: string, params?: Params): string {
  const qs = new URLSearchParams();
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null || v === '') continue;
      qs.set(k, String(v));
    }
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(
  path: string,
  params?: Params,
  init?: { method?: string; body?: unknown; signal?: AbortSignal; key?: string },
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const key = init?.key ?? getApiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (init?.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, params), { method: init?.method ?? 'GET', headers, body, signal: init?.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', `Cannot reach the Vigil server (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const ae = new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? `${res.status} ${res.statusText}`,
    );
    if (res.status === 401 && !init?.key) for (const f of unauthorizedListeners) f(ae);
    throw ae;
  }
  return json as T;
}

const unauthorizedListeners = new Set<(e: ApiError) => void>();
export function onUnauthorized(f: (e: ApiError) => void): () => void {
  unauthorizedListeners.add(f);
  return () => unauthorizedListeners.delete(f);
}
