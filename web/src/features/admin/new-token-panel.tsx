import { useEffect, useRef, useState } from 'react';

import type { CreatedApiToken } from './admin-api.ts';

/** The new token's secret, shown this once: the server keeps only its hash. */
export function NewTokenPanel({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('yes');
    } catch {
      // Without clipboard permission the text is at least selected for Ctrl+C.
      inputRef.current?.select();
      setCopied('failed');
    }
  }

  return (
    <section className="admin-new-token" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Token {token.name} created</h2>
      <p>
        <strong>Copy it now: you will not see it again.</strong> geosync keeps only a fingerprint of it. Send it as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      <div className="admin-token-row">
        <label className="visually-hidden" htmlFor="new-token-value">
          New API token
        </label>
        <input
          id="new-token-value"
          ref={inputRef}
          className="code-input admin-token-value"
          type="text"
          readOnly
          spellCheck={false}
          value={token.token}
        />
        <button className="button button-primary" type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button className="button" type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p className="muted" role="status">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'The browser did not allow copying: the token is selected, press Ctrl+C.'}
      </p>
    </section>
  );
}
