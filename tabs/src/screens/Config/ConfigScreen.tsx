import { Body1, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup, Text, Title3 } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { NAV_ITEMS } from '../../app/pages.ts';
import { bindTeamsConfig, type ChannelTabChoice, tabConfigFor } from '../../host/tabConfig.ts';
import type { Host } from '../../host/teamsHost.ts';
import { useConfigStyles } from './ConfigScreen.styles.ts';

/** The configurable (channel) tab's configuration page: pick the page the tab opens and its name. */
export function ConfigScreen({ host }: { host: Host }) {
  const styles = useConfigStyles();
  const [choice, setChoice] = useState<ChannelTabChoice>({ page: 'activity', name: 'Presence Sync' });
  const update = useRef<((c: ChannelTabChoice) => void) | null>(null);

  useEffect(() => {
    if (host.kind !== 'teams' || update.current) return;
    update.current = bindTeamsConfig(window.location.origin, { page: 'activity', name: 'Presence Sync' });
  }, [host]);
  useEffect(() => update.current?.(choice), [choice]);

  const preview = tabConfigFor(window.location.origin, choice);
  return (
    <main className={styles.root}>
      <Title3 as="h1">Add Presence Sync to this channel</Title3>
      {host.kind !== 'teams' ? (
        <MessageBar intent="info">
          <MessageBarBody>
            This is the page Teams shows when the tab is added to a channel. Open it from Teams to save.
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <Body1>Choose what the tab shows. Admins of the business unit can use every page; others see a read-only summary.</Body1>
      <Field label="Opens on">
        <RadioGroup
          value={choice.page}
          onChange={(_, d) => setChoice((c) => ({ ...c, page: d.value as ChannelTabChoice['page'] }))}
        >
          {NAV_ITEMS.map((item) => (
            <Radio key={item.page} value={item.page} label={item.label} />
          ))}
        </RadioGroup>
      </Field>
      <Field label="Tab name" required validationMessage={choice.name.trim() ? undefined : 'Give the tab a name'}>
        <Input value={choice.name} onChange={(_, d) => setChoice((c) => ({ ...c, name: d.value }))} />
      </Field>
      <Text className={styles.preview} aria-label="Tab address">
        {preview.contentUrl}
      </Text>
    </main>
  );
}
