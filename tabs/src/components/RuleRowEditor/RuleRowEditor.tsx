import { Button, Caption1, Checkbox, Field, mergeClasses, Select } from '@fluentui/react-components';
import { ACTIVITIES, AVAILABILITIES, type RuleRow, type UnavailableCode } from '../../domain.ts';
import {
  CONDITION_LABEL,
  conditionsFor,
  DIRECTION_LABEL,
  type Direction,
  describeRow,
  messagesUnder,
  pairKey,
  pairLabel,
  parsePairKey,
  presenceWord,
  settablePairsFor,
  withDirection,
} from '../../rules/ruleDraft.ts';
import { useRuleRowEditorStyles } from './RuleRowEditor.styles.ts';

export interface RuleRowEditorProps {
  index: number;
  row: RuleRow;
  count: number;
  codes: readonly UnavailableCode[] | undefined;
  errors: ReadonlyMap<string, string[]>;
  warnings: ReadonlyMap<string, string[]>;
  onChange(row: RuleRow): void;
  onRemove(): void;
  onMove(delta: -1 | 1): void;
}

const NONE = '__none__';
const ANY = '__any__';

/** One row: CXone state (and unavailable code) ⇄ Teams availability + activity, with a direction. */
export function RuleRowEditor({ index, row, count, codes, errors, warnings, onChange, onRemove, onMove }: RuleRowEditorProps) {
  const styles = useRuleRowEditorStyles();
  const at = (f: string) => `rows.${index}.${f}`;
  // A field shows its own problems; the CXone state also shows those about the whole CXone side.
  const collect = (map: ReadonlyMap<string, string[]>, f: string) => [
    ...(f === 'cxone.condition' ? (map.get(at('cxone')) ?? []) : []),
    ...messagesUnder(map, at(f)),
  ];
  const fieldState = (f: string) => {
    const e = collect(errors, f);
    if (e.length > 0) return { validationState: 'error' as const, validationMessage: e.join(' ') };
    const w = collect(warnings, f);
    if (w.length > 0) return { validationState: 'warning' as const, validationMessage: w.join(' ') };
    return {};
  };
  const rowErrors = errors.get(`rows.${index}`) ?? [];
  const invalid = messagesUnder(errors, `rows.${index}`).length > 0;
  const n = index + 1;

  const setCondition = (condition: RuleRow['cxone']['condition']) =>
    onChange({ ...row, cxone: { condition, outStateId: condition === 'unavailable' ? row.cxone.outStateId : null } } as RuleRow);
  const setCode = (v: string) =>
    onChange({ ...row, cxone: { ...row.cxone, outStateId: v === ANY ? null : Number(v) } } as RuleRow);

  return (
    <fieldset className={mergeClasses(styles.root, invalid && styles.invalid)} aria-label={`Row ${n}`}>
      <legend className={styles.legend}>Row {n}</legend>
      <div className={styles.fields}>
        <Field label="Direction">
          <Select value={row.direction} onChange={(_, d) => onChange(withDirection(row, d.value as Direction))}>
            {(Object.keys(DIRECTION_LABEL) as Direction[]).map((dir) => (
              <option key={dir} value={dir}>
                {DIRECTION_LABEL[dir]}
              </option>
            ))}
          </Select>
        </Field>

        <Field label={row.direction === 'to_cxone' ? 'Sets CXone state' : 'CXone state'} {...fieldState('cxone.condition')}>
          <Select value={row.cxone.condition} onChange={(_, d) => setCondition(d.value as RuleRow['cxone']['condition'])}>
            {conditionsFor(row.direction).map((c) => (
              <option key={c} value={c}>
                {CONDITION_LABEL[c]}
              </option>
            ))}
          </Select>
        </Field>

        {row.cxone.condition === 'unavailable' ? (
          <Field label="Unavailable code" {...fieldState('cxone.outStateId')}>
            <Select
              value={row.cxone.outStateId == null ? ANY : String(row.cxone.outStateId)}
              onChange={(_, d) => setCode(d.value)}
            >
              <option value={ANY}>{row.direction === 'to_teams' ? 'Any code' : 'Choose a code…'}</option>
              {(codes ?? []).map((c) => (
                <option key={c.outStateId} value={String(c.outStateId)} disabled={c.isAcw && row.direction !== 'to_teams'}>
                  {c.name}
                  {c.isAcw ? ' (after-call work)' : ''}
                </option>
              ))}
              {row.cxone.outStateId != null && !codes?.some((c) => c.outStateId === row.cxone.outStateId) ? (
                <option value={String(row.cxone.outStateId)}>Code {row.cxone.outStateId} (unknown)</option>
              ) : null}
            </Select>
          </Field>
        ) : null}

        {row.direction === 'to_cxone' ? (
          <>
            <Field label="When Teams availability is" {...fieldState('teams')}>
              <Select
                value={row.teams.availability}
                onChange={(_, d) => onChange({ ...row, teams: { ...row.teams, availability: d.value } })}
              >
                {AVAILABILITIES.map((a) => (
                  <option key={a} value={a}>
                    {presenceWord(a)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="and activity is">
              <Select
                value={row.teams.activity ?? ANY}
                onChange={(_, d) => onChange({ ...row, teams: { ...row.teams, activity: d.value === ANY ? null : d.value } })}
              >
                <option value={ANY}>Any activity</option>
                {ACTIVITIES.map((a) => (
                  <option key={a} value={a}>
                    {presenceWord(a)}
                  </option>
                ))}
              </Select>
            </Field>
          </>
        ) : (
          <Field label={row.direction === 'both' ? 'Teams presence (both ways)' : 'Shows in Teams as'} {...fieldState('teams')}>
            <Select
              value={row.teams ? pairKey(row.teams) : NONE}
              onChange={(_, d) => {
                const teams = d.value === NONE ? null : parsePairKey(d.value);
                if (row.direction === 'both')
                  onChange({ ...row, teams: teams ?? { availability: 'Available', activity: 'Available' } });
                else onChange({ ...row, teams });
              }}
            >
              {row.direction === 'to_teams' ? <option value={NONE}>No Teams status (clear ours)</option> : null}
              {settablePairsFor(row.force).map((p) => (
                <option key={pairKey(p)} value={pairKey(p)}>
                  {pairLabel(p)}
                </option>
              ))}
              {row.teams && !settablePairsFor(row.force).some((p) => pairKey(p) === pairKey(row.teams)) ? (
                <option value={pairKey(row.teams)}>{pairLabel(row.teams)} (not allowed)</option>
              ) : null}
            </Select>
          </Field>
        )}
      </div>
      {rowErrors.length > 0 ? (
        <ul className={styles.errors}>
          {rowErrors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
      <div className={styles.footer}>
        {row.direction !== 'to_cxone' ? (
          <Checkbox
            checked={row.force}
            onChange={(_, d) => onChange({ ...row, force: d.checked === true })}
            label="Force: override the agent's own Teams status (setUserPreferredPresence)"
          />
        ) : (
          <span />
        )}
        <div className={styles.actions}>
          <Button size="small" onClick={() => onMove(-1)} disabled={index === 0} aria-label={`Move row ${n} up`}>
            Up
          </Button>
          <Button size="small" onClick={() => onMove(1)} disabled={index === count - 1} aria-label={`Move row ${n} down`}>
            Down
          </Button>
          <Button size="small" onClick={onRemove} aria-label={`Remove row ${n}`}>
            Remove
          </Button>
        </div>
      </div>
      <Caption1 className={styles.summary}>{describeRow(row, codes)}</Caption1>
    </fieldset>
  );
}
