/**
 * The ids of every command the extension registers. package.json's `contributes.commands`
 * must list exactly these (a unit test checks), and the extension's command table is typed
 * by them, so a command cannot be declared without a handler or the other way round.
 */
export const COMMAND_IDS = [
  'golab.analyzeWorkspace',
  'golab.showRuleDocs',
  'golab.restartServer',
  'golab.showOutput',
  'golab.race',
  'golab.raceTest',
  'golab.profile',
  'golab.profileTest',
  'golab.profileProgram',
  'golab.openProfile',
  'golab.compareProfiles',
  'golab.toggleProfileAnnotations',
  'golab.deleteProfileRun',
  'golab.tuneGc',
  'golab.probeFunction',
  'golab.probeContainer',
  'golab.stopContainerProbes',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
