import { type GriffelStyle, makeStyles, tokens } from '@fluentui/react-components';

/** The bordered card every screen groups its content in. */
export const sectionCard: GriffelStyle = {
  padding: tokens.spacingVerticalL,
  borderRadius: tokens.borderRadiusLarge,
  backgroundColor: tokens.colorNeutralBackground1,
  border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  display: 'flex',
  flexDirection: 'column',
  gap: tokens.spacingVerticalM,
};

/** Layout shared by the screens that are a column of cards with an action bar (Users, Presence watching). */
export const useScreenStyles = makeStyles({
  layout: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  section: sectionCard,
  bar: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
});
