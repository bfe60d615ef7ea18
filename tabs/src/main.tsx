import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { detectHost, type Host } from './host/teamsHost.ts';

function Root() {
  const [host, setHost] = useState<Host | null>(null);
  useEffect(() => {
    detectHost().then(setHost, () => setHost({ kind: 'browser', reason: 'not_teams_frame' }));
  }, []);
  return <App host={host} />;
}

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
