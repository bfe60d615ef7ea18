import {
  Badge,
  Button,
  Caption1,
  Checkbox,
  Field,
  SearchBox,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { agentName, type MappingItem, type MappingPage, type MappingStatus } from '../../api/mappings.ts';
import { useMappingTableStyles } from './MappingTable.styles.ts';

export interface MappingTableProps {
  page: MappingPage | undefined;
  status: MappingStatus;
  q: string;
  selected: ReadonlySet<string>;
  busy: boolean;
  onFilter(f: { status?: MappingStatus; q?: string; offset?: number }): void;
  onSelect(ids: ReadonlySet<string>): void;
  onRemap(m: MappingItem): void;
  onUnmap(m: MappingItem): void;
  onInclude(ids: string[], included: boolean): void;
}

function StatusBadge({ m }: { m: MappingItem }) {
  if (!m.mapping)
    return (
      <Badge appearance="tint" color="warning">
        Unmapped
      </Badge>
    );
  if (!m.mapping.included)
    return (
      <Badge appearance="tint" color="informative">
        Excluded
      </Badge>
    );
  return (
    <Badge appearance="tint" color="success">
      {m.mapping.source === 'manual'
        ? 'Mapped by hand'
        : m.mapping.source === 'auto_exact'
          ? 'Mapped (exact)'
          : 'Mapped (confirmed)'}
    </Badge>
  );
}

/** One page of agents with their mapping (server-side search, filter and paging: fine for 10k agents). */
export function MappingTable({
  page,
  status,
  q,
  selected,
  busy,
  onFilter,
  onSelect,
  onRemap,
  onUnmap,
  onInclude,
}: MappingTableProps) {
  const styles = useMappingTableStyles();
  const items = page?.items ?? [];
  const allOnPage = items.length > 0 && items.every((m) => selected.has(m.agentId));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelect(next);
  };
  const from = page ? page.offset + 1 : 0;
  const to = page ? page.offset + items.length : 0;
  const mappedSelected = items.filter((m) => selected.has(m.agentId) && m.mapping).map((m) => m.agentId);

  return (
    <section className={styles.root} aria-label="Agents and their mapping">
      <div className={styles.filters}>
        <Field label="Search">
          <SearchBox
            value={q}
            onChange={(_, d) => onFilter({ q: d.value, offset: 0 })}
            placeholder="Name, email, agent id, UPN"
          />
        </Field>
        <Field label="Show">
          <Select value={status} onChange={(_, d) => onFilter({ status: d.value as MappingStatus, offset: 0 })}>
            <option value="all">All agents</option>
            <option value="mapped">Mapped</option>
            <option value="unmapped">Unmapped</option>
            <option value="included">Included in sync</option>
            <option value="excluded">Excluded from sync</option>
          </Select>
        </Field>
        <div className={styles.actions}>
          <Button disabled={mappedSelected.length === 0 || busy} onClick={() => onInclude(mappedSelected, true)}>
            Include selected
          </Button>
          <Button disabled={mappedSelected.length === 0 || busy} onClick={() => onInclude(mappedSelected, false)}>
            Exclude selected
          </Button>
        </div>
      </div>
      <Table size="small" aria-label="Agents">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>
              <Checkbox
                aria-label="Select all on this page"
                checked={allOnPage}
                onChange={(_, d) => onSelect(d.checked ? new Set([...selected, ...items.map((m) => m.agentId)]) : new Set())}
              />
            </TableHeaderCell>
            <TableHeaderCell>CXone agent</TableHeaderCell>
            <TableHeaderCell>Team</TableHeaderCell>
            <TableHeaderCell>Teams user</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Actions</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((m) => {
            const name = agentName(m);
            return (
              <TableRow key={m.agentId} aria-label={`Agent ${name}`}>
                <TableCell>
                  <Checkbox
                    aria-label={`Select ${name}`}
                    checked={selected.has(m.agentId)}
                    onChange={(_, d) => toggle(m.agentId, d.checked === true)}
                  />
                </TableCell>
                <TableCell>
                  <Text weight="semibold">{name}</Text>
                  <Caption1 block className={styles.muted}>
                    {m.agent.email ?? 'no email'} · {m.agentId}
                  </Caption1>
                </TableCell>
                <TableCell>{m.agent.teamId ?? '—'}</TableCell>
                <TableCell>
                  {m.mapping ? (
                    <>
                      <Text>{m.mapping.user?.displayName ?? m.mapping.userId}</Text>
                      <Caption1 block className={styles.muted}>
                        {m.mapping.user?.userPrincipalName ?? ''}
                      </Caption1>
                    </>
                  ) : (
                    <span className={styles.muted}>—</span>
                  )}
                </TableCell>
                <TableCell>
                  <StatusBadge m={m} />
                </TableCell>
                <TableCell>
                  <div className={styles.actions}>
                    <Button size="small" onClick={() => onRemap(m)} aria-label={`${m.mapping ? 'Remap' : 'Map'} ${name}`}>
                      {m.mapping ? 'Remap' : 'Map'}
                    </Button>
                    {m.mapping ? (
                      <>
                        <Button
                          size="small"
                          disabled={busy}
                          onClick={() => onInclude([m.agentId], !m.mapping!.included)}
                          aria-label={`${m.mapping.included ? 'Exclude' : 'Include'} ${name}`}
                        >
                          {m.mapping.included ? 'Exclude' : 'Include'}
                        </Button>
                        <Button
                          size="small"
                          appearance="subtle"
                          disabled={busy}
                          onClick={() => onUnmap(m)}
                          aria-label={`Unmap ${name}`}
                        >
                          Unmap
                        </Button>
                      </>
                    ) : null}
                  </div>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {page ? (
        <div className={styles.pager}>
          <Button disabled={page.offset === 0} onClick={() => onFilter({ offset: Math.max(0, page.offset - page.limit) })}>
            Previous
          </Button>
          <Text aria-live="polite">{page.total === 0 ? 'No agents' : `${from}–${to} of ${page.total}`}</Text>
          <Button disabled={to >= page.total} onClick={() => onFilter({ offset: page.offset + page.limit })}>
            Next
          </Button>
        </div>
      ) : null}
    </section>
  );
}
