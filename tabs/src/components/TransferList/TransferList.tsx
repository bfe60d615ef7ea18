import { Button, Caption1, Checkbox, SearchBox, Subtitle2, Text } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import { useTransferListStyles } from './TransferList.styles.ts';

export interface TransferItem {
  id: string;
  label: string;
  /** Shown after the label (e.g. "has rule Sales"). */
  note?: string;
  /** Cannot be moved (e.g. assigned to another rule). */
  disabled?: boolean;
}

export interface TransferListProps {
  title: string;
  available: readonly TransferItem[];
  chosen: readonly TransferItem[];
  onAdd(ids: string[]): void;
  onRemove(ids: string[]): void;
  busy?: boolean;
  /** Called when the available list's search changes (server-side search for large lists). */
  onSearch?: (q: string) => void;
}

/** Two lists with checkboxes and move buttons: fully keyboard operable, no drag needed. */
export function TransferList({ title, available, chosen, onAdd, onRemove, busy, onSearch }: TransferListProps) {
  const styles = useTransferListStyles();
  const [left, setLeft] = useState<Set<string>>(new Set());
  const [right, setRight] = useState<Set<string>>(new Set());
  const [q, setQ] = useState('');
  const shown = useMemo(
    () => (onSearch || !q ? available : available.filter((i) => i.label.toLowerCase().includes(q.toLowerCase()))),
    [available, q, onSearch],
  );
  const toggle = (set: Set<string>, id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  };
  const pane = (
    label: string,
    items: readonly TransferItem[],
    selected: Set<string>,
    setSelected: (s: Set<string>) => void,
    empty: string,
  ) => (
    <section className={styles.pane} aria-label={`${title}: ${label}`}>
      <Subtitle2 as="h4">{label}</Subtitle2>
      {items.length === 0 ? <Caption1>{empty}</Caption1> : null}
      <ul className={styles.list}>
        {items.map((i) => (
          <li key={i.id}>
            <Checkbox
              checked={selected.has(i.id)}
              disabled={i.disabled || busy}
              onChange={(_, d) => setSelected(toggle(selected, i.id, d.checked === true))}
              label={
                <>
                  <Text>{i.label}</Text>
                  {i.note ? <Caption1 className={styles.note}>{i.note}</Caption1> : null}
                </>
              }
            />
          </li>
        ))}
      </ul>
    </section>
  );
  return (
    <div className={styles.root}>
      <div className={styles.column}>
        <SearchBox
          aria-label={`Search ${title.toLowerCase()}`}
          placeholder="Search"
          value={q}
          onChange={(_, d) => {
            setQ(d.value);
            onSearch?.(d.value);
          }}
        />
        {pane('Available', shown, left, setLeft, 'Nothing to add.')}
      </div>
      <div className={styles.moves}>
        <Button
          disabled={left.size === 0 || busy}
          onClick={() => {
            onAdd([...left]);
            setLeft(new Set());
          }}
          aria-label={`Assign selected ${title.toLowerCase()}`}
        >
          Assign →
        </Button>
        <Button
          disabled={right.size === 0 || busy}
          onClick={() => {
            onRemove([...right]);
            setRight(new Set());
          }}
          aria-label={`Remove selected ${title.toLowerCase()}`}
        >
          ← Remove
        </Button>
      </div>
      {pane('Assigned to this rule', chosen, right, setRight, 'None yet.')}
    </div>
  );
}
