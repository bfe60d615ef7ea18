import { type Theme, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme } from '@fluentui/react-components';
import type { ThemeName } from './teamsHost.ts';

export const FLUENT_THEMES: Record<ThemeName, Theme> = {
  light: teamsLightTheme,
  dark: teamsDarkTheme,
  contrast: teamsHighContrastTheme,
};

/** Outside Teams: `?theme=` wins (demo, screenshots), else the browser's colour scheme. */
export function browserTheme(search: string, prefersDark: boolean): ThemeName {
  const asked = new URLSearchParams(search).get('theme');
  if (asked === 'dark' || asked === 'light' || asked === 'contrast') return asked;
  return prefersDark ? 'dark' : 'light';
}
