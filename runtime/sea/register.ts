/**
 * @module Registers `volguard sea-selftest` in the binary only, as a non-enumerable command (absent from --help):
 * it exercises what the binary has to get right that a plain command does not (see selftest.ts).
 */
import { COMMANDS, type CommandEntry } from '../cli/commands.ts';

const selftest: CommandEntry = {
  summary: 'binary self-test: extracted workers, lmdb in main and in a worker, piscina task, embedded assets',
  usage: 'volguard sea-selftest',
  load: () => import('./selftest.ts'),
};
Object.defineProperty(COMMANDS, 'sea-selftest', { value: selftest, enumerable: false });
