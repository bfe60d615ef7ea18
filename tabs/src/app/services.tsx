import { Toast, ToastBody, ToastTitle, useToastController } from '@fluentui/react-components';
import { createContext, type ReactNode, useCallback, useContext, useMemo } from 'react';
import type { ApiClient } from '../api/client.ts';

export const TOASTER_ID = 'presence-sync-toaster';

export interface Services {
  api: ApiClient;
  /** The connection (CXone business unit + Azure app) the admin is working on; null = none yet. */
  connectionId: string | null;
  setConnectionId(id: string | null): void;
  /** Base path of the current connection's API, e.g. /api/connections/abc */
  connectionPath: string;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ value, children }: { value: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={value}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

export type ToastIntent = 'success' | 'error' | 'info' | 'warning';

/** Toasts: one toaster at the root; screens call notify('Saved', 'success'). */
export function useNotify(): (title: string, intent?: ToastIntent, body?: string) => void {
  const { dispatchToast } = useToastController(TOASTER_ID);
  return useCallback(
    (title, intent = 'success', body) => {
      dispatchToast(<ToastContent title={title} body={body} />, { intent, timeout: intent === 'error' ? 8000 : 4000 });
    },
    [dispatchToast],
  );
}

function ToastContent({ title, body }: { title: string; body: string | undefined }) {
  return (
    <Toast>
      <ToastTitle>{title}</ToastTitle>
      {body ? <ToastBody>{body}</ToastBody> : null}
    </Toast>
  );
}

export function useMemoServices(
  api: ApiClient,
  connectionId: string | null,
  setConnectionId: (id: string | null) => void,
): Services {
  return useMemo(
    () => ({
      api,
      connectionId,
      setConnectionId,
      connectionPath: connectionId ? `/api/connections/${encodeURIComponent(connectionId)}` : '',
    }),
    [api, connectionId, setConnectionId],
  );
}
