import type { AdaptiveCard, BotMessage } from '../ports.ts';

/** Small builders for Adaptive Cards 1.5 (the version Teams supports). Pure JSON, no SDK. */

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export type Element = Record<string, unknown>;
export type Action = Record<string, unknown>;

export function card(fallbackText: string, body: Element[], actions: Action[] = []): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: '1.5',
    fallbackText,
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

/** A message: the card plus its plain-text twin (activity.text and card.fallbackText). */
export function message(text: string, body: Element[], actions: Action[] = []): BotMessage {
  return { text, card: card(text, body, actions) };
}

export function heading(text: string, color: 'Default' | 'Attention' | 'Good' | 'Warning' = 'Default'): Element {
  return { type: 'TextBlock', text, wrap: true, size: 'Medium', weight: 'Bolder', color, style: 'heading' };
}

export function para(text: string, opts: { subtle?: boolean; weight?: 'Bolder' } = {}): Element {
  return {
    type: 'TextBlock',
    text,
    wrap: true,
    ...(opts.subtle ? { isSubtle: true } : {}),
    ...(opts.weight ? { weight: opts.weight } : {}),
  };
}

export function facts(pairs: readonly (readonly [string, string])[]): Element {
  return { type: 'FactSet', facts: pairs.map(([title, value]) => ({ title, value })) };
}

export function callout(title: string, text: string, style: 'emphasis' | 'attention' | 'good' | 'warning' = 'emphasis'): Element {
  return {
    type: 'Container',
    style,
    items: [para(title, { weight: 'Bolder' }), para(text)],
  };
}

/**
 * An Action.Execute (Teams sends invoke `adaptiveCard/action`) whose fallback, for hosts without
 * Universal Actions, is an Action.Submit carrying the same verb (Teams sends a message with `value`).
 */
export function execute(title: string, verb: string, data: Record<string, string> = {}): Action {
  const payload = { verb, ...data };
  return {
    type: 'Action.Execute',
    title,
    verb,
    data: payload,
    fallback: { type: 'Action.Submit', title, data: payload },
  };
}

export function openUrl(title: string, url: string): Action {
  return { type: 'Action.OpenUrl', title, url };
}
