import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProposalView } from '../../api/mappings.ts';
import { MappingReview } from './MappingReview.tsx';

const cand = (userId: string, upn: string, signal: ProposalView['signal'] = 'email_exact') => ({
  userId,
  signal,
  confidence: 1,
  userPrincipalName: upn,
  displayName: upn.split('@')[0]!,
});

const PROPOSALS: ProposalView[] = [
  {
    agentId: 'a1',
    status: 'confident',
    userId: 'u1',
    signal: 'email_exact',
    confidence: 1,
    agent: { name: 'Ava Stone', email: 'ava@contoso.com' },
    candidates: [cand('u1', 'ava@contoso.com')],
  },
  {
    agentId: 'a2',
    status: 'confident',
    userId: 'u2',
    signal: 'email_exact',
    confidence: 1,
    agent: { name: 'Ben Ray', email: 'ben@contoso.com' },
    candidates: [cand('u2', 'ben@contoso.com')],
  },
  {
    agentId: 'a3',
    status: 'confident',
    userId: 'u3',
    signal: 'local_part',
    confidence: 0.75,
    agent: { name: 'Chloe Park', email: 'chloe@fabrikam.com' },
    candidates: [cand('u3', 'chloe@contoso.com', 'local_part')],
  },
  {
    agentId: 'a4',
    status: 'ambiguous',
    userId: null,
    signal: 'display_name',
    confidence: 0.6,
    note: 'two people share this name',
    agent: { name: 'Sam Lee', email: null },
    candidates: [
      cand('u4', 'sam.lee@contoso.com', 'display_name'),
      cand('u5', 'sam.lee2@contoso.com', 'display_name'),
      cand('u3', 'chloe@contoso.com', 'partial_name'),
    ],
  },
];

function renderReview(onConfirm = vi.fn(), onRemap = vi.fn()) {
  render(
    <FluentProvider theme={teamsLightTheme}>
      <MappingReview proposals={PROPOSALS} unmatched={['a9']} onConfirm={onConfirm} onRemap={onRemap} />
    </FluentProvider>,
  );
  return { onConfirm, onRemap };
}

afterEach(cleanup);

describe('mapping review', () => {
  it('when proposals arrive then they are grouped as exact, likely, ambiguous and none, with counts', () => {
    renderReview();
    expect(screen.getByText('Exact match: 2')).toBeTruthy();
    expect(screen.getByText('Likely match: 1')).toBeTruthy();
    expect(screen.getByText('Ambiguous: choose: 1')).toBeTruthy();
    expect(screen.getByText('No match: 1')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Exact match' })).getAllByRole('checkbox')).toHaveLength(2);
    expect(
      within(screen.getByRole('region', { name: 'Ambiguous: choose' })).getByText('two people share this name'),
    ).toBeTruthy();
  });

  it('when confirmed as proposed then exact and likely pairs are sent, ambiguous ones are left out', () => {
    const { onConfirm } = renderReview();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm 3 mappings' }));
    expect(onConfirm).toHaveBeenCalledWith([
      { agentId: 'a1', userId: 'u1' },
      { agentId: 'a2', userId: 'u2' },
      { agentId: 'a3', userId: 'u3' },
    ]);
  });

  it('when the admin unticks one, picks a candidate for an ambiguous one and confirms then exactly those pairs are sent', () => {
    const { onConfirm } = renderReview();
    fireEvent.click(within(screen.getByRole('group', { name: 'Agent Ben Ray' })).getByRole('checkbox'));
    fireEvent.change(screen.getByLabelText('Teams user for Sam Lee'), { target: { value: 'u5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm 3 mappings' }));
    expect(onConfirm.mock.calls[0]![0]).toEqual([
      { agentId: 'a1', userId: 'u1' },
      { agentId: 'a3', userId: 'u3' },
      { agentId: 'a4', userId: 'u5' },
    ]);
  });

  it('when one Teams user is chosen for two agents then both say so and confirming is blocked', () => {
    const { onConfirm } = renderReview();
    fireEvent.change(screen.getByLabelText('Teams user for Sam Lee'), { target: { value: 'u3' } });
    expect(screen.getAllByText('the same Teams user is chosen for 2 agents')).toHaveLength(2);
    const confirm = screen.getByRole('button', { name: /Confirm 4 mappings/ }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.click(confirm);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('when a group is deselected in bulk then none of it is sent, and an unmatched agent can be remapped by hand', () => {
    const { onConfirm, onRemap } = renderReview();
    fireEvent.click(within(screen.getByRole('region', { name: 'Exact match' })).getByRole('button', { name: 'Select none' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm 1 mapping' }));
    expect(onConfirm.mock.calls[0]![0]).toEqual([{ agentId: 'a3', userId: 'u3' }]);
    fireEvent.click(within(screen.getByRole('region', { name: 'No match' })).getByRole('button', { name: 'Find a match' }));
    expect(onRemap).toHaveBeenCalledWith('a9');
  });
});
