/* global document, window */
// The dashboard's root: sign-in until a token is stored, then the services table (#/) or one
// service's page (#/services/<id>). Errors from the API are shown in one banner, as the API
// worded them (error.message).
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { onUnauthorized, session } from './api.js';
import { SignIn } from './sign-in.js';
import { ServicesTable } from './services-table.js';
import { ServicePage } from './service-page.js';

function currentRoute() {
  const match = /^#\/services\/(.+)$/.exec(window.location.hash);
  return match === null ? { page: 'services' } : { page: 'service', id: decodeURIComponent(match[1]) };
}

function ErrorBanner({ error, onClose }) {
  if (error === null) return null;
  return html`<div class="banner error" role="alert">
    <span class="message">${error.message}</span>
    <button type="button" class="link" onClick=${onClose} aria-label="dismiss">×</button>
  </div>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(() => session.token() !== null);
  const [route, setRoute] = useState(currentRoute);
  const [error, setError] = useState(null);
  // null clears the banner: a command that goes through makes an earlier refusal old news.
  const showError = useCallback((failure) => setError(failure === null ? null : { message: failure.message }), []);

  useEffect(() => {
    const follow = () => {
      setRoute(currentRoute());
      setError(null);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    onUnauthorized((failure) => {
      session.signOut();
      setSignedIn(false);
      setError({ message: failure.message });
    });
  }, []);

  const signOut = () => {
    session.signOut();
    setSignedIn(false);
    setError(null);
  };
  const signedInNow = () => {
    setSignedIn(true);
    setError(null);
  };

  return html`
    <header class="top">
      <a class="brand" href="#/">provisiond</a>
      ${signedIn && html`<nav><a href="#/">Services</a></nav>
        <button type="button" class="link sign-out" onClick=${signOut}>Sign out</button>`}
    </header>
    <main>
      <${ErrorBanner} error=${error} onClose=${() => setError(null)} />
      ${!signedIn
        ? html`<${SignIn} onSignedIn=${signedInNow} onError=${showError} />`
        : route.page === 'service'
          ? html`<${ServicePage} key=${route.id} id=${route.id} onError=${showError} />`
          : html`<${ServicesTable} onError=${showError} />`}
    </main>`;
}

render(html`<${App} />`, document.getElementById('app'));
