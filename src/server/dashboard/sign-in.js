// Sign in with the API token: it is checked with one authenticated read before it is kept.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { get, session } from './api.js';

export function SignIn({ onSignedIn, onError }) {
  const [token, setToken] = useState('');
  const [checking, setChecking] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const candidate = token.trim();
    if (candidate === '') return;
    setChecking(true);
    session.signIn(candidate);
    try {
      await get('/v1/services?limit=1');
      onSignedIn();
    } catch (error) {
      session.signOut();
      onError(error);
      setChecking(false);
    }
  };

  return html`<form class="card sign-in" onSubmit=${submit}>
    <h1>Sign in</h1>
    <p>Enter the daemon's API token (<code>PROVISIOND_API_TOKEN</code>, or <code>data/api-token</code>).
      It is kept in this tab only (sessionStorage).</p>
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" value=${token}
      onInput=${(event) => setToken(event.currentTarget.value)} />
    <button type="submit" disabled=${checking}>${checking ? 'Checking…' : 'Sign in'}</button>
  </form>`;
}
