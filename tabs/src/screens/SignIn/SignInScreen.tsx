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
import type { Session } from '../../stores/sessionStore.ts';
import { useSignInStyles } from './SignInScreen.styles.ts';

export interface SignInScreenProps {
  session: Exclude<Session, { status: 'signed_in' } | { status: 'starting' }>;
  busy: boolean;
  onDevSignIn(name: string): void;
  onRetry(): void;
}

/** Outside Teams: the local dev sign-in when the server offers it, otherwise "open this in Teams". */
export function SignInScreen({ session, busy, onDevSignIn, onRetry }: SignInScreenProps) {
  const styles = useSignInStyles();
  const [name, setName] = useState('Local Admin');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) onDevSignIn(name.trim());
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
            <Field label="Your name" required>
              <Input value={name} onChange={(_, d) => setName(d.value)} autoComplete="name" />
            </Field>
            <Button appearance="primary" type="submit" disabled={busy || !name.trim()}>
              {busy ? <Spinner size="tiny" label="Signing in…" /> : 'Sign in for local use'}
            </Button>
          </form>
        )}
      </Card>
    </main>
  );
}
