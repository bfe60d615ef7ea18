import {
  Body1,
  Button,
  Card,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Title2,
} from '@fluentui/react-components';
import { type FormEvent, useState } from 'react';
import type { DevSignInRequest } from '../../api/auth.ts';
import type { Session } from '../../stores/sessionStore.ts';
import { useSignInStyles } from './SignInScreen.styles.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SignInScreenProps {
  session: Exclude<Session, { status: 'signed_in' } | { status: 'starting' }>;
  busy: boolean;
  onDevSignIn(req: DevSignInRequest): void;
  onRetry(): void;
}

/** Outside Teams: the local dev sign-in when the server offers it, otherwise "open this in Teams". */
export function SignInScreen({ session, busy, onDevSignIn, onRetry }: SignInScreenProps) {
  const styles = useSignInStyles();
  const [upn, setUpn] = useState('');
  const [name, setName] = useState('');
  const [tenantId, setTenantId] = useState('');
  const upnOk = /^[^@\s]+@[^@\s]+$/.test(upn.trim());
  const tenantOk = tenantId.trim() === '' || GUID.test(tenantId.trim());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!upnOk || !tenantOk) return;
    onDevSignIn({
      upn: upn.trim(),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(tenantId.trim() ? { tenantId: tenantId.trim() } : {}),
    });
  };
  return (
    <main className={styles.root}>
      <Card className={styles.card}>
        <Title2 as="h1">Presence Sync</Title2>
        {session.status === 'needs_teams' ? (
          <>
            <Body1>{session.reason}</Body1>
            <Body1>
              In Teams, add the Presence Sync app, then open its personal tab (admins) or the tab your admins pinned to a channel.
            </Body1>
          </>
        ) : session.status === 'failed' ? (
          <>
            <MessageBar intent="error" role="alert">
              <MessageBarBody>
                <MessageBarTitle>Cannot start</MessageBarTitle>
                {session.message}
              </MessageBarBody>
            </MessageBar>
            <Button onClick={onRetry}>Try again</Button>
          </>
        ) : (
          <form className={styles.form} onSubmit={submit} aria-label="Local sign-in">
            <Body1>
              You opened the admin tab outside Microsoft Teams. This server allows a local sign-in for development and demos (it
              is never available in production).
            </Body1>
            {session.message ? (
              <MessageBar intent="error" role="alert">
                <MessageBarBody>{session.message}</MessageBarBody>
              </MessageBar>
            ) : null}
            <Field
              label="Account (user principal name)"
              required
              hint="A user already synced from your directory signs in as themselves, in their tenant."
              validationMessage={upn && !upnOk ? 'Write it like admin@contoso.com' : undefined}
            >
              <Input value={upn} onChange={(_, d) => setUpn(d.value)} autoComplete="username" placeholder="admin@contoso.com" />
            </Field>
            <Field label="Display name">
              <Input value={name} onChange={(_, d) => setName(d.value)} autoComplete="name" />
            </Field>
            <Field
              label="Tenant ID"
              hint="Optional: the Entra tenant of the Azure app you will connect."
              validationMessage={tenantOk ? undefined : 'A tenant id is a GUID'}
            >
              <Input
                value={tenantId}
                onChange={(_, d) => setTenantId(d.value)}
                placeholder="00000000-0000-0000-0000-000000000000"
              />
            </Field>
            <Button appearance="primary" type="submit" disabled={busy || !upnOk || !tenantOk}>
              {busy ? <Spinner size="tiny" label="Signing in…" /> : 'Sign in for local use'}
            </Button>
          </form>
        )}
      </Card>
    </main>
  );
}
