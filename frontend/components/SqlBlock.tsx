'use client';

import { useEffect, useState } from 'react';

/** The query the agent ran, folded away by default, with a copy button that stays reachable. */
export function SqlBlock({ source, language }: { source: string; language: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(source);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }

  return (
    <div className="sql">
      <details>
        <summary>{language.toLowerCase() === 'sql' ? 'SQL' : language.toUpperCase()}</summary>
        <pre>
          <code>{source}</code>
        </pre>
      </details>
      <div className="sql-actions">
        <span aria-live="polite" className="copied">
          {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : ''}
        </span>
        <button type="button" className="button small" onClick={copy}>
          Copy SQL
        </button>
      </div>
    </div>
  );
}
