import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FieldProblem } from '../../api/client.ts';
import type { RuleInput, UnavailableCode } from '../../domain.ts';
import { RuleEditor } from './RuleEditor.tsx';

const CODES: UnavailableCode[] = [
  { outStateId: 1, name: 'Break', isAcw: false },
  { outStateId: 2, name: 'Lunch', isAcw: false },
  { outStateId: 9, name: 'ACW', isAcw: true },
];

function Harness({
  initial,
  onSave,
  serverProblems,
}: {
  initial: RuleInput;
  onSave: (r: RuleInput) => void;
  serverProblems?: FieldProblem[];
}) {
  const [value, setValue] = useState(initial);
  return (
    <FluentProvider theme={teamsLightTheme}>
      <RuleEditor value={value} onChange={setValue} onSave={onSave} codes={CODES} serverProblems={serverProblems} />
    </FluentProvider>
  );
}

const row = (n: number) => screen.getByRole('group', { name: `Row ${n}` });
const select = (n: number, label: string) => within(row(n)).getByLabelText(label) as HTMLSelectElement;
const saveButton = () => screen.getByRole('button', { name: 'Save rule' });
const optionLabels = (s: HTMLSelectElement) => [...s.options].map((o) => o.textContent);

afterEach(cleanup);

describe('rule editor', () => {
  it('when the rule has no name then the name field says it is required and Save is disabled', () => {
    render(<Harness initial={{ name: '', rows: [], isDefault: false }} onSave={vi.fn()} />);
    expect(screen.getByText('Name is required')).toBeTruthy();
    expect((saveButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Rule name/), { target: { value: 'Calls' } });
    expect(screen.queryByText('Name is required')).toBeNull();
    expect((saveButton() as HTMLButtonElement).disabled).toBe(false);
  });

  it('when a row sends to Teams then only the pairs Graph setPresence accepts are offered, and forced rows offer the preferred pairs', () => {
    render(<Harness initial={{ name: 'R', rows: [], isDefault: false }} onSave={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add row' }));
    expect(optionLabels(select(1, 'Shows in Teams as'))).toEqual([
      'No Teams status (clear ours)',
      'Available',
      'Busy — In a call',
      'Busy — In a conference call',
      'Away',
      'Do not disturb — Presenting',
    ]);
    fireEvent.click(within(row(1)).getByRole('checkbox', { name: /Force/ }));
    expect(optionLabels(select(1, 'Shows in Teams as'))).toContain('Offline — Off work');
    // The row's current pair cannot be forced: it stays visible, marked, and the row is in error.
    expect(optionLabels(select(1, 'Shows in Teams as'))).toContain('Busy — In a call (not allowed)');
    expect(within(row(1)).getByText(/cannot be forced/)).toBeTruthy();
  });

  it('when a forced row keeps a pair that cannot be forced then the row shows the domain error and Save is disabled', () => {
    render(
      <Harness
        initial={{
          name: 'R',
          isDefault: false,
          rows: [
            {
              direction: 'to_teams',
              cxone: { condition: 'inbound_contact' },
              teams: { availability: 'Busy', activity: 'InACall' },
              force: false,
            },
          ],
        }}
        onSave={vi.fn()}
      />,
    );
    fireEvent.click(within(row(1)).getByRole('checkbox', { name: /Force/ }));
    expect(within(row(1)).getByText(/Busy\/InACall cannot be forced/)).toBeTruthy();
    expect((saveButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(select(1, 'Shows in Teams as'), { target: { value: 'Busy/Busy' } });
    expect(within(row(1)).queryByText(/cannot be forced/)).toBeNull();
    expect((saveButton() as HTMLButtonElement).disabled).toBe(false);
  });

  it('when a Teams → CXone row sets Unavailable without a code then it asks for the code, and ACW codes cannot be chosen', () => {
    render(<Harness initial={{ name: 'Meetings', rows: [], isDefault: false }} onSave={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add row' }));
    fireEvent.change(select(1, 'Direction'), { target: { value: 'to_cxone' } });
    expect(optionLabels(select(1, 'Sets CXone state'))).toEqual(['Available', 'Unavailable']);
    fireEvent.change(select(1, 'Sets CXone state'), { target: { value: 'unavailable' } });
    expect(within(row(1)).getByText('choose the unavailable code to set')).toBeTruthy();
    expect((saveButton() as HTMLButtonElement).disabled).toBe(true);
    const acw = [...select(1, 'Unavailable code').options].find((o) => o.textContent?.startsWith('ACW'));
    expect(acw?.disabled).toBe(true);
    fireEvent.change(select(1, 'Unavailable code'), { target: { value: '3' } });
    fireEvent.change(select(1, 'Unavailable code'), { target: { value: '2' } });
    expect(within(row(1)).queryByText('choose the unavailable code to set')).toBeNull();
    expect((saveButton() as HTMLButtonElement).disabled).toBe(false);
  });

  it('when two rows map the same CXone state to Teams then the second says which row already does', () => {
    render(<Harness initial={{ name: 'Dup', rows: [], isDefault: false }} onSave={vi.fn()} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add row' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add row' }));
    expect(within(row(2)).getByText('row 1 already maps this CXone state to Teams')).toBeTruthy();
    fireEvent.change(select(2, 'CXone state'), { target: { value: 'acw' } });
    expect(within(row(2)).queryByText(/already maps/)).toBeNull();
  });

  it('when a row shows Available in Teams then the aggregation warning is shown but saving is allowed', () => {
    const onSave = vi.fn();
    render(
      <Harness
        initial={{
          name: 'Avail',
          isDefault: false,
          rows: [
            {
              direction: 'to_teams',
              cxone: { condition: 'available' },
              teams: { availability: 'Available', activity: 'Available' },
              force: false,
            },
          ],
        }}
        onSave={onSave}
      />,
    );
    expect(within(row(1)).getByText(/cannot show over an active Teams client/)).toBeTruthy();
    fireEvent.click(saveButton());
    expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ name: 'Avail' }));
  });

  it('when the server reports field problems then they show beside the field', () => {
    render(
      <Harness
        initial={{
          name: 'Taken',
          isDefault: false,
          rows: [{ direction: 'to_teams', cxone: { condition: 'acw' }, teams: null, force: false }],
        }}
        onSave={vi.fn()}
        serverProblems={[{ field: 'name', problem: 'is already used by another rule' }]}
      />,
    );
    expect(screen.getByText('Name is already used by another rule')).toBeTruthy();
  });

  it('when rows are moved and removed then the order follows and Save sends the rows', () => {
    const onSave = vi.fn();
    render(<Harness initial={{ name: 'Order', rows: [], isDefault: false }} onSave={onSave} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add row' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add row' }));
    fireEvent.change(select(2, 'CXone state'), { target: { value: 'logged_out' } });
    fireEvent.click(screen.getByRole('button', { name: 'Move row 2 up' }));
    expect(select(1, 'CXone state').value).toBe('logged_out');
    fireEvent.click(screen.getByRole('button', { name: 'Remove row 2' }));
    fireEvent.click(saveButton());
    expect(onSave).toHaveBeenCalledTimes(1);
    const saved = onSave.mock.calls[0]![0] as RuleInput;
    expect(saved.rows).toHaveLength(1);
    expect(saved.rows[0]!.cxone.condition).toBe('logged_out');
  });
});
