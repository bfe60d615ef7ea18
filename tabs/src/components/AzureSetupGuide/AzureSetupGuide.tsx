import {
  Body1,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { APPLICATION_PERMISSIONS, DELEGATED_PERMISSIONS } from '../../connection/connectionDraft.ts';
import { useAzureSetupGuideStyles } from './AzureSetupGuide.styles.ts';

/** The Azure app registration, step by step, with each permission and why it is needed. */
export function AzureSetupGuide({ consentUrl, redirectBase }: { consentUrl: string | null; redirectBase: string }) {
  const styles = useAzureSetupGuideStyles();
  return (
    <ol className={styles.steps}>
      <li>
        <Body1>
          In the Microsoft Entra admin center, open <b>App registrations → New registration</b>. Name it “Presence Sync”, choose{' '}
          <b>Accounts in this organizational directory only</b>. Its <b>Application (client) ID</b> and{' '}
          <b>Directory (tenant) ID</b> go in the form below; this server is <Text className={styles.code}>{redirectBase}</Text>.
        </Body1>
      </li>
      <li>
        <Body1>
          Under <b>API permissions → Add a permission → Microsoft Graph → Application permissions</b>, add:
        </Body1>
        <Table className={styles.table} size="small" aria-label="Application permissions">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Permission</TableHeaderCell>
              <TableHeaderCell>Why</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {APPLICATION_PERMISSIONS.map((p) => (
              <TableRow key={p.permission}>
                <TableCell className={styles.code}>{p.permission}</TableCell>
                <TableCell>
                  {p.why}
                  {p.when ? ` ${p.when}` : ''}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Body1>Only if you will use presence subscriptions, also add these delegated permissions:</Body1>
        <Table className={styles.table} size="small" aria-label="Delegated permissions">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Permission</TableHeaderCell>
              <TableHeaderCell>Why</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {DELEGATED_PERMISSIONS.map((p) => (
              <TableRow key={p.permission}>
                <TableCell className={styles.code}>{p.permission}</TableCell>
                <TableCell>{p.why}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </li>
      <li>
        <Body1>
          Grant admin consent for your organization.{' '}
          {consentUrl ? (
            <Link href={consentUrl} target="_blank" rel="noreferrer">
              Open the admin-consent page
            </Link>
          ) : (
            'Enter the tenant and client IDs below to get the admin-consent link.'
          )}
        </Body1>
      </li>
      <li>
        <Body1>
          Under <b>Certificates &amp; secrets</b>, create a client secret. Copy its value into the form below (it is stored
          encrypted and never shown again) and note when it expires — Presence Sync warns you before it does.
        </Body1>
      </li>
      <li>
        <Body1>
          In CXone, open <b>Admin → Employees</b>, pick the integration user and create an <b>access key</b> under Access Keys.
          Its user needs a role that can view agents and teams and change agent states.
        </Body1>
      </li>
    </ol>
  );
}
