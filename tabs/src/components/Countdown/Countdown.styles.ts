import { makeStyles, tokens } from '@fluentui/react-components';

export const useCountdownStyles = makeStyles({
  soon: { color: tokens.colorPaletteDarkOrangeForeground1, fontWeight: tokens.fontWeightSemibold },
  past: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
});
