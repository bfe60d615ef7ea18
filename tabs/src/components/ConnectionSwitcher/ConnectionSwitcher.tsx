import { Dropdown, Option, Text } from '@fluentui/react-components';
import { useId } from 'react';
import type { Connection } from '../../api/types.ts';
import { useConnectionSwitcherStyles } from './ConnectionSwitcher.styles.ts';

/** Which business unit the admin works on; hidden while there is only one. */
export function ConnectionSwitcher({
  connections,
  value,
  onChange,
}: {
  connections: readonly Connection[];
  value: string | null;
  onChange: (id: string) => void;
}) {
  const styles = useConnectionSwitcherStyles();
  const labelId = useId();
  if (connections.length === 0) return null;
  const current = connections.find((c) => c.id === value);
  if (connections.length === 1) return <Text weight="semibold">{connections[0]!.name}</Text>;
  return (
    <>
      <Text id={labelId} size={200}>
        Business unit
      </Text>
      <Dropdown
        className={styles.root}
        aria-labelledby={labelId}
        value={current?.name ?? ''}
        selectedOptions={value ? [value] : []}
        onOptionSelect={(_, d) => d.optionValue && onChange(d.optionValue)}
      >
        {connections.map((c) => (
          <Option key={c.id} value={c.id}>
            {c.name}
          </Option>
        ))}
      </Dropdown>
    </>
  );
}
