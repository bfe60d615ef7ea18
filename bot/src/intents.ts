/**
 * What the user asked for, from free text. Pure and total: anything unrecognised is 'help'
 * with `understood: false`, never an error.
 */
export type Intent = 'status' | 'why' | 'help' | 'subscriptions' | 'health' | 'renew' | 'reset_help';

export interface ParsedIntent {
  intent: Intent;
  understood: boolean;
}

/** Teams puts `<at>Bot name</at>` mentions (and sometimes HTML) into channel messages. */
export function cleanText(text: string | null | undefined): string {
  if (typeof text !== 'string') return '';
  return text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

const PATTERNS: readonly [Intent, RegExp][] = [
  ['reset_help', /\b(how (do i|to) reset|reset (my )?status)\b/],
  ['renew', /^(renew|renew now|renew subscriptions?( now)?)$/],
  ['subscriptions', /^(subs|subscriptions?|show subscriptions?|subscription status)$/],
  ['health', /^(health|healthz?|status of (the )?(sync|system|connection)|system health|diagnostics?)$/],
  [
    'why',
    /\b(why|how come|what happened|explain|didn'?t (my )?(status )?(change|update|sync)|not (changing|syncing|updating)|isn'?t (changing|syncing|updating)|stuck)\b/,
  ],
  ['status', /^(status|my status|state|my state|show (my )?status|what'?s my status|where am i)\??$/],
  ['help', /^(help|\?|commands|menu|hi|hello|hey|start)\b/],
];

export function parseIntent(text: string | null | undefined): ParsedIntent {
  const t = cleanText(text)
    .toLowerCase()
    .replace(/[.!]+$/, '');
  if (t === '') return { intent: 'help', understood: false };
  for (const [intent, re] of PATTERNS) if (re.test(t)) return { intent, understood: true };
  if (/\bstatus\b/.test(t)) return { intent: 'status', understood: true };
  return { intent: 'help', understood: false };
}
