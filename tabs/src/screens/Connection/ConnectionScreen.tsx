import { Body1, Button, Field, Input, MessageBar, MessageBarBody, Spinner, Subtitle2, Text } from '@fluentui/react-components';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { fetchAuthConfig } from '../../api/auth.ts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { createConnection, fetchMe, testConnection, updateConnection } from '../../api/connections.ts';
import type { Connection, ConnectionTestReport } from '../../api/types.ts';
import { type Query, useQuery } from '../../api/useQuery.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { AzureSetupGuide } from '../../components/AzureSetupGuide/AzureSetupGuide.tsx';
import { CheckResults } from '../../components/CheckResults/CheckResults.tsx';
import { ErrorBar } from '../../components/ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';
import { SecretField } from '../../components/SecretField/SecretField.tsx';
import {
  adminConsentUrl,
  type ConnectionDraft,
  connectionProblems,
  draftFrom,
  toCreate,
  toPatch,
} from '../../connection/connectionDraft.ts';
import { useConnectionStyles } from './ConnectionScreen.styles.ts';

export function ConnectionScreen({ connections, onChanged }: { connections: Query<Connection[]>; onChanged: () => void }) {
  const { api, connectionId } = useServices();
  const me = useQuery('me', () => fetchMe(api));
  const auth = useQuery('auth-config', () => fetchAuthConfig(api));
  const current = connections.data?.find((c) => c.id === connectionId);

  if ((connections.loading && !connections.data) || (me.loading && !me.data))
    return (
      <>
        <PageHeader title="Connection" />
        <LoadingSkeleton rows={6} label="Loading the connection" />
      </>
    );
  return (
    <>
      <PageHeader
        title="Connection"
        description="Connect one Azure app (your Microsoft 365 tenant) and one CXone business unit. Every step below replaces a page of the vendor's setup document."
      />
      <ErrorBar error={connections.error ?? me.error} title="Could not load the connection" onRetry={connections.reload} />
      {me.data ? (
        <ConnectionForm
          key={current?.id ?? 'new'}
          connection={current}
          tenantId={me.data.tenantId}
          authorityHost={auth.data?.authorityHost ?? 'https://login.microsoftonline.com'}
          onSaved={onChanged}
        />
      ) : null}
    </>
  );
}

function ConnectionForm({
  connection,
  tenantId,
  authorityHost,
  onSaved,
}: {
  connection: Connection | undefined;
  tenantId: string;
  authorityHost: string;
  onSaved: () => void;
}) {
  const styles = useConnectionStyles();
  const { api, setConnectionId } = useServices();
  const notify = useNotify();
  const isNew = !connection;
  const [draft, setDraft] = useState<ConnectionDraft>(() => draftFrom(connection, tenantId));
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [testing, setTesting] = useState(false);
  const [report, setReport] = useState<ConnectionTestReport | null>(null);
  const [testError, setTestError] = useState<ApiError | null>(null);
  useEffect(() => setDraft(draftFrom(connection, tenantId)), [connection, tenantId]);

  const problems = useMemo(() => connectionProblems(draft, isNew), [draft, isNew]);
  const serverProblems = useMemo(() => new Map((saveError?.fields ?? []).map((f) => [f.field, f.problem])), [saveError]);
  const problem = (path: string) => (touched ? (problems.get(path) ?? serverProblems.get(path)) : serverProblems.get(path));
  const set = (patch: Partial<ConnectionDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const consent = adminConsentUrl(authorityHost, draft.tenantId, draft.clientId);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problems.size > 0) return;
    setSaving(true);
    setSaveError(null);
    try {
      const saved = isNew
        ? await createConnection(api, toCreate(draft))
        : await updateConnection(api, connection.id, toPatch(draft));
      notify(isNew ? 'Connection created' : 'Connection saved', 'success', 'Changes take effect at once.');
      setConnectionId(saved.id);
      setDraft(draftFrom(saved, tenantId));
      setTouched(false);
      onSaved();
    } catch (err) {
      setSaveError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setSaving(false);
    }
  };

  const runTest = async () => {
    if (!connection) return;
    setTesting(true);
    setTestError(null);
    try {
      const r = await testConnection(api, connection.id);
      setReport(r);
      notify(r.ok ? 'Connection works' : 'Some checks failed', r.ok ? 'success' : 'warning');
    } catch (err) {
      setTestError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setTesting(false);
    }
  };

  return (
    <div className={styles.layout}>
      <section className={styles.section} aria-labelledby="azure-guide">
        <Subtitle2 as="h2" id="azure-guide">
          1. Register the Azure app
        </Subtitle2>
        <AzureSetupGuide consentUrl={consent} redirectBase={window.location.origin} />
      </section>

      <form className={styles.layout} onSubmit={save} aria-label="Connection settings" noValidate>
        <section className={styles.section} aria-labelledby="azure-ids">
          <Subtitle2 as="h2" id="azure-ids">
            2. Azure app
          </Subtitle2>
          <div className={styles.grid}>
            <Field
              label="Connection name"
              required
              validationMessage={problem('name')}
              validationState={problem('name') ? 'error' : 'none'}
            >
              <Input value={draft.name} onChange={(_, d) => set({ name: d.value })} placeholder="Contoso contact center" />
            </Field>
            <Field
              label="Directory (tenant) ID"
              hint={isNew ? 'Your own tenant (from your sign-in).' : 'Fixed for this connection.'}
              validationMessage={problem('azure.tenantId')}
              validationState={problem('azure.tenantId') ? 'error' : 'none'}
            >
              <Input value={draft.tenantId} readOnly />
            </Field>
            <Field
              label="Application (client) ID"
              required
              validationMessage={problem('azure.clientId')}
              validationState={problem('azure.clientId') ? 'error' : 'none'}
            >
              <Input
                value={draft.clientId}
                onChange={(_, d) => set({ clientId: d.value })}
                placeholder="00000000-0000-0000-0000-000000000000"
              />
            </Field>
            <SecretField
              label="Client secret"
              required
              state={connection ? connection.azure.clientSecret : null}
              value={draft.clientSecret}
              onChange={(v) => set({ clientSecret: v })}
              error={problem('azure.clientSecret')}
            />
            <Field
              label="Client secret expires on"
              hint="Optional: you are warned before it expires."
              validationMessage={problem('azure.clientSecretExpiresAt')}
            >
              <Input
                type="date"
                value={draft.clientSecretExpiresOn}
                onChange={(_, d) => set({ clientSecretExpiresOn: d.value })}
              />
            </Field>
          </div>
        </section>

        <section className={styles.section} aria-labelledby="cxone-ids">
          <Subtitle2 as="h2" id="cxone-ids">
            3. CXone business unit
          </Subtitle2>
          <div className={styles.grid}>
            <Field
              label="CXone API base URL"
              required
              hint="e.g. https://api-na1.niceincontact.com"
              validationMessage={problem('cxone.baseUrl')}
              validationState={problem('cxone.baseUrl') ? 'error' : 'none'}
            >
              <Input value={draft.cxoneBaseUrl} onChange={(_, d) => set({ cxoneBaseUrl: d.value })} />
            </Field>
            <Field
              label="CXone auth URL"
              hint="Optional: found by discovery when empty."
              validationMessage={problem('cxone.authUrl')}
              validationState={problem('cxone.authUrl') ? 'error' : 'none'}
            >
              <Input value={draft.cxoneAuthUrl} onChange={(_, d) => set({ cxoneAuthUrl: d.value })} />
            </Field>
            <Field
              label="Access key ID"
              required
              validationMessage={problem('cxone.accessKeyId')}
              validationState={problem('cxone.accessKeyId') ? 'error' : 'none'}
            >
              <Input value={draft.accessKeyId} onChange={(_, d) => set({ accessKeyId: d.value })} autoComplete="off" />
            </Field>
            <SecretField
              label="Access key secret"
              required
              state={connection ? connection.cxone.accessKeySecret : null}
              value={draft.accessKeySecret}
              onChange={(v) => set({ accessKeySecret: v })}
              error={problem('cxone.accessKeySecret')}
            />
            <Field
              label="Business unit ID"
              hint="Optional: read from the access key's token when empty."
              validationMessage={problem('cxone.businessUnitId')}
            >
              <Input value={draft.businessUnitId} onChange={(_, d) => set({ businessUnitId: d.value })} />
            </Field>
          </div>
        </section>

        <ErrorBar error={saveError} title="Could not save the connection" />
        <div className={styles.bar}>
          <Button appearance="primary" type="submit" disabled={saving}>
            {saving ? <Spinner size="tiny" label="Saving…" /> : isNew ? 'Create connection' : 'Save changes'}
          </Button>
          {touched && problems.size > 0 ? <Text role="status">Fix the highlighted fields first.</Text> : null}
        </div>
      </form>

      <section className={styles.section} aria-labelledby="test-title">
        <Subtitle2 as="h2" id="test-title">
          4. Test the connection
        </Subtitle2>
        <Body1>
          Signs in to both sides for real, checks every permission with a harmless call, and checks the CXone access key. Each
          failure says how to fix it.
        </Body1>
        <div className={styles.bar}>
          <Button appearance={isNew ? 'secondary' : 'primary'} onClick={() => void runTest()} disabled={!connection || testing}>
            {testing ? <Spinner size="tiny" label="Testing…" /> : 'Test connection'}
          </Button>
          {!connection ? <Text>Create the connection first.</Text> : null}
        </div>
        <ErrorBar error={testError} title="The test could not run" onRetry={() => void runTest()} />
        {report ? (
          <>
            <MessageBar intent={report.ok ? 'success' : 'warning'}>
              <MessageBarBody>
                {report.ok
                  ? 'Everything works.'
                  : `${report.checks.filter((c) => c.status === 'failed').length} check(s) failed.`}{' '}
                Tested {new Date(report.checkedAt).toLocaleString()}.
              </MessageBarBody>
            </MessageBar>
            <CheckResults checks={report.checks} />
          </>
        ) : null}
      </section>
    </div>
  );
}
