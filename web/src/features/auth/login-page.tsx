import { type FormEvent, useState } from 'react';

import { errorMessage } from '../../api-client.ts';
import { useLogin } from './use-session.ts';

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const loginMutation = useLogin();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!username || !password) return;
    loginMutation.mutate({ username, password });
  }

  return (
    <main className="login-screen">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" />
          geosync
        </div>
        <h1 id="login-title">Log in</h1>
        <p className="muted">Keep your spatial data infrastructure in sync.</p>
        {loginMutation.isError && (
          <p className="alert alert-error" role="alert">
            {errorMessage(loginMutation.error)}
          </p>
        )}
        <label className="field">
          <span className="field-label">Username</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <button className="button button-primary button-block" type="submit" disabled={loginMutation.isPending}>
          {loginMutation.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
