/** The shared pure domain the tab reuses (one truth with the server): re-exported from api/src/domain. */
export { ACTIVITIES, AVAILABILITIES, PREFERRED_PAIRS, type PresencePair, SETTABLE_PAIRS } from '../../api/src/domain/presence.ts';
export { REASON_CODES, REASON_TEXT, type ReasonCode } from '../../api/src/domain/reasons.ts';
export {
  type CxoneMatch,
  type RuleInput,
  type RuleProblem,
  type RuleRow,
  ruleInputSchema,
  ruleWarnings,
  type UnavailableCode,
  validateRule,
} from '../../api/src/domain/rules.ts';
