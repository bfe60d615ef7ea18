import {
  Badge,
  Body1,
  Button,
  Caption1,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { useQuery } from '../../api/useQuery.ts';
import { beginOwnerSignIn, checkOwner, listOwners, pollDeviceCode, removeOwner, startDeviceCode } from '../../api/watch.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { EmptyState } from '../EmptyState/EmptyState.tsx';
import { ErrorBar } from '../ErrorBar/ErrorBar.tsx';
import { useOwnersPanelStyles } from './OwnersPanel.styles.ts';

/** Subscription owner accounts: added by signing in (MFA stays on), with token health. */
export function OwnersPanel({ onChanged }: { onChanged(): void }) {
  const styles = useOwnersPanelStyles();
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const owners = useQuery(`owners:${connectionId}`, () => listOwners(api, connectionId!), { pollMs: 10_000 });
  const [hint, setHint] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [device, setDevice] = useState<{ signInId: string; userCode: string; verificationUri: string } | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const fail = (err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
  const signIn = async () => {
    setError(null);
    try {
      const r = await beginOwnerSignIn(api, connectionId!, hint.trim() || undefined);
      window.open(r.authorizeUrl, 'presence-sync-owner', 'width=520,height=680');
      notify('Finish signing in in the new window', 'info', 'The owner appears here when Microsoft sends them back.');
    } catch (err) {
      fail(err);
    }
  };
  const poll = (signInId: string) => {
    timer.current = window.setTimeout(async () => {
      try {
        const r = await pollDeviceCode(api, connectionId!, signInId);
        if (r.status === 'done') {
          setDevice(null);
          notify('Owner signed in');
          owners.reload();
          onChanged();
        } else if (r.status === 'failed') {
          setDevice(null);
          fail(new ApiError(0, 'device_code', r.error ?? 'sign-in failed'));
        } else poll(signInId);
      } catch (err) {
        setDevice(null);
        fail(err);
      }
    }, 3000);
  };
  const deviceCode = async () => {
    setError(null);
    try {
      const r = await startDeviceCode(api, connectionId!);
      setDevice(r);
      poll(r.signInId);
    } catch (err) {
      fail(err);
    }
  };
  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await what();
      notify(done);
      owners.reload();
      onChanged();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <div className={styles.root}>
      <Body1>
        Graph only allows presence subscriptions on behalf of a signed-in user, one subscription (at most 650 users) per account.
        Each owner signs in once, with MFA on; their refresh token is stored encrypted.
      </Body1>
      <div className={styles.bar}>
        <Field label="Account to sign in (optional hint)">
          <Input value={hint} onChange={(_, d) => setHint(d.value)} placeholder="presence-owner1@contoso.com" />
        </Field>
        <Button appearance="primary" onClick={() => void signIn()}>
          Add owner by signing in
        </Button>
        <Button onClick={() => void deviceCode()}>Use a device code instead</Button>
      </div>
      {device ? (
        <MessageBar intent="info">
          <MessageBarBody>
            On any device, open{' '}
            <Link href={device.verificationUri} target="_blank" rel="noreferrer">
              {device.verificationUri}
            </Link>{' '}
            and enter <span className={styles.code}>{device.userCode}</span>. Waiting for the sign-in…
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <ErrorBar error={error ?? owners.error} title="Owner accounts" onRetry={owners.reload} />
      {owners.data && owners.data.length === 0 ? (
        <EmptyState title="No owner accounts">
          Without owners, the app-only presence reader watches Teams presence (no subscriptions).
        </EmptyState>
      ) : owners.data ? (
        <Table size="small" aria-label="Subscription owners">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Account</TableHeaderCell>
              <TableHeaderCell>Kind</TableHeaderCell>
              <TableHeaderCell>Token</TableHeaderCell>
              <TableHeaderCell>Actions</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {owners.data.map((o) => (
              <TableRow key={o.id}>
                <TableCell>{o.userPrincipalName}</TableCell>
                <TableCell>{o.kind === 'system_user' ? 'System user (MFA excluded)' : 'Signed in'}</TableCell>
                <TableCell>
                  <Badge
                    appearance="tint"
                    color={o.tokenStatus === 'ok' ? 'success' : o.tokenStatus === 'pending' ? 'informative' : 'danger'}
                  >
                    {o.tokenStatus === 'ok' ? 'Healthy' : o.tokenStatus === 'pending' ? 'Pending' : 'Needs sign-in'}
                  </Badge>
                  {o.lastError ? <Caption1 block>{o.lastError}</Caption1> : null}
                  {o.lastRefreshAt ? <Caption1 block>refreshed {new Date(o.lastRefreshAt).toLocaleString()}</Caption1> : null}
                </TableCell>
                <TableCell>
                  <div className={styles.actions}>
                    <Button size="small" onClick={() => void act(() => checkOwner(api, connectionId!, o.id), 'Token checked')}>
                      Check token
                    </Button>
                    <Button
                      size="small"
                      appearance="subtle"
                      onClick={() => void act(() => removeOwner(api, connectionId!, o.id), `Removed ${o.userPrincipalName}`)}
                    >
                      Remove
                    </Button>
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </div>
  );
}
