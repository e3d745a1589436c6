/** The handler of every command in COMMAND_IDS. */
import type { CommandId } from '../../shared/commands';
import type { CommandFactory } from '../context';
import { analyzeWorkspace } from './analyzeWorkspace';
import { probeFunction } from './probe';
import { probeContainer, stopContainerProbes } from './probeContainer';
import { compareProfiles, deleteProfileRun, openProfile, profile, profileTest, toggleProfileAnnotations } from './profile';
import { profileProgram } from './profileProgram';
import { raceRun, raceTest } from './raceRun';
import { restartServer } from './restartServer';
import { tuneGc } from './tuneGc';
import { showOutput } from './showOutput';
import { showRuleDocs } from './showRuleDocs';

export const COMMANDS: Record<CommandId, CommandFactory> = {
  'golab.analyzeWorkspace': analyzeWorkspace,
  'golab.showRuleDocs': showRuleDocs,
  'golab.restartServer': restartServer,
  'golab.showOutput': showOutput,
  'golab.race': raceRun,
  'golab.raceTest': raceTest,
  'golab.profile': profile,
  'golab.profileTest': profileTest,
  'golab.profileProgram': profileProgram,
  'golab.openProfile': openProfile,
  'golab.compareProfiles': compareProfiles,
  'golab.toggleProfileAnnotations': toggleProfileAnnotations,
  'golab.deleteProfileRun': deleteProfileRun,
  'golab.tuneGc': tuneGc,
  'golab.probeFunction': probeFunction,
  'golab.probeContainer': probeContainer,
  'golab.stopContainerProbes': stopContainerProbes,
};
