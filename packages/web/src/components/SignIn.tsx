/** Sign-in until user accounts exist: an API key kept for this browser session only. */
import { useState } from 'preact/hooks';
import { ApiError, api, setApiKey } from '../api/client.js';

export function SignIn({ reason }: { reason?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(reason ?? null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // A cheap authenticated call proves the key before we show the dashboard.
      await api('/api/v1/alerts', { state: 'firing' }, { key: k });
      setApiKey(k);
    } catch (err) {
      // Only an unknown key or an unreachable server blocks sign-in; pages show other failures.
      if (err instanceof ApiError && err.status !== 401 && err.status !== 0) {
        setApiKey(k);
        return;
      }
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That API key was not accepted.'
          : `Sign-in failed: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit}>
        <h1>
          <span class="logo" aria-hidden="true" /> Vigil
        </h1>
        <p class="muted">Observability for AI agents. Sign in with a project API key.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          // biome-ignore lint/a11y/noAutofocus: the only field on the page
          autoFocus
        />
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p class="muted small">The key is kept for this browser session only.</p>
      </form>
    </main>
  );
}
