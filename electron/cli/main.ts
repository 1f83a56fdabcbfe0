import { Command } from '@commander-js/extra-typings';
import { TransferLabError } from '../../shared/errors';
import { appVersion } from '../../shared/version';
import { addInspectCommands } from './inspectCommands';
import { reportError } from './output';
import { addPredictCommand, addRunCommands } from './runCommands';
import { addServeCommand } from './serve';
import { addTrainCommands } from './trainCommands';

/** The `transfer-lab` program: its commands, in the order --help lists them. */
const program = new Command()
  .name('transfer-lab')
  .description('Transfer learning on images: a folder of photos to a trained, evaluated classifier on a pre-trained network.')
  .version(appVersion)
  .showHelpAfterError('(run with --help for usage)')
  // set before the subcommands are added, which copy it: a usage error exits 2, like other tools
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

addInspectCommands(program);
addTrainCommands(program);
addRunCommands(program);
addServeCommand(program);
addPredictCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof TransferLabError)) throw e;
  process.exitCode = reportError(e, process.argv.includes('--json'));
}
