import {
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Radio,
  RadioGroup,
  SearchBox,
} from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { candidatesFor, remap } from '../../api/mappings.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { signalText } from '../../users/mappingReview.ts';
import { ErrorBar } from '../ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../LoadingSkeleton/LoadingSkeleton.tsx';
import { useRemapDialogStyles } from './RemapDialog.styles.ts';

/** Manual (re)map of one agent: possible matches first, then free search over Teams users. */
export function RemapDialog({
  agentId,
  agentLabel,
  onClose,
  onSaved,
}: {
  agentId: string;
  agentLabel: string;
  onClose(): void;
  onSaved(): void;
}) {
  const styles = useRemapDialogStyles();
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const [q, setQ] = useState('');
  const [choice, setChoice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const candidates = useQuery(`candidates:${connectionId}:${agentId}:${q}`, () =>
    candidatesFor(api, connectionId!, agentId, q || undefined),
  );

  const save = async () => {
    if (!choice) return;
    setSaving(true);
    try {
      await remap(api, connectionId!, agentId, choice);
      notify('Mapping saved', 'success', `${agentLabel} now syncs with the chosen Teams user.`);
      onSaved();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog open onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface aria-describedby={undefined}>
        <DialogBody>
          <DialogTitle>Map {agentLabel}</DialogTitle>
          <DialogContent className={styles.body}>
            <SearchBox
              aria-label="Search Teams users"
              placeholder="Search Teams users by name or UPN"
              value={q}
              onChange={(_, d) => setQ(d.value)}
            />
            <ErrorBar error={error ?? candidates.error} title="Could not map" />
            {candidates.loading && !candidates.data ? (
              <LoadingSkeleton rows={3} label="Loading possible matches" />
            ) : (candidates.data?.items.length ?? 0) === 0 ? (
              <Caption1>No possible match. Search by name or user principal name.</Caption1>
            ) : (
              <RadioGroup aria-label="Possible matches" value={choice ?? ''} onChange={(_, d) => setChoice(d.value)}>
                {candidates.data?.items.map((c) => (
                  <Radio
                    key={c.userId}
                    value={c.userId}
                    disabled={!!c.mappedToAgentId}
                    label={`${c.displayName ?? c.userPrincipalName} (${c.userPrincipalName ?? c.userId}) — ${signalText(c.signal)}${c.current ? ' · current' : ''}${c.mappedToAgentId ? ` · mapped to agent ${c.mappedToAgentId}` : ''}`}
                  />
                ))}
              </RadioGroup>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={onClose}>Cancel</Button>
            <Button appearance="primary" disabled={!choice || saving} onClick={() => void save()}>
              Save mapping
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
