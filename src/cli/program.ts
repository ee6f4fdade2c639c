/**
 * The `apprentice` program and its commands, each loaded on demand: `apprentice eval` imports the eval
 * command's module (its option declarations and what they import) and no other command's, which keeps
 * start-up short; a command's work loads later still, inside its action.
 */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { addConfigOption } from './config.js';
import { markRequiredOptionsInHelp, showUsageLineAfterErrors, withExamples } from './help.js';
import { useProjectDefaults } from './project/defaults.js';

/** Adds one command (or command group) to the program. */
export type Registrar = (program: Command) => void;

interface CommandEntry {
  name: string;
  load: () => Promise<Registrar>;
}

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'quickstart', load: async () => (await import('./commands/quickstart.js')).registerQuickstart },
  { name: 'eval', load: async () => (await import('./commands/eval.js')).registerEval },
  {
    name: 'run',
    load: async () => {
      const [{ registerRun }, registerEval] = await Promise.all([import('./commands/run.js'), commandNamed('eval').load()]);
      // Each eval of the project file runs on a program of its own, which needs only the eval command.
      return (program) => registerRun(program, () => programOf([registerEval]));
    },
  },
  { name: 'compare', load: async () => (await import('./commands/compare.js')).registerCompare },
  { name: 'generate', load: async () => (await import('./commands/generate.js')).registerGenerate },
  { name: 'scale', load: async () => (await import('./commands/scale.js')).registerScale },
  { name: 'train', load: async () => (await import('./commands/train.js')).registerTrain },
  { name: 'finetune', load: async () => (await import('./commands/finetune.js')).registerFinetune },
  { name: 'export', load: async () => (await import('./commands/export.js')).registerExport },
  { name: 'grimoire', load: async () => (await import('./commands/grimoire.js')).registerGrimoire },
  { name: 'distill', load: async () => (await import('./commands/distill.js')).registerDistill },
  { name: 'report', load: async () => (await import('./commands/report.js')).registerReport },
  { name: 'serve', load: async () => (await import('./commands/serve.js')).registerServe },
  { name: 'cascade', load: async () => (await import('./commands/cascade.js')).registerCascade },
  { name: 'ui', load: async () => (await import('./commands/ui.js')).registerUi },
];

function commandNamed(name: string): CommandEntry {
  return COMMANDS.find((entry) => entry.name === name)!;
}

/** The program holding the given commands, with what every command shares (--config, project defaults, help). */
export function programOf(registrars: readonly Registrar[]): Command {
  const program = new Command('apprentice')
    .description('Make small language models do what large ones do, and measure it honestly.')
    .version(VERSION)
    .exitOverride();
  markRequiredOptionsInHelp(program);
  withExamples(program, ['apprentice quickstart --scale tiny', 'apprentice eval --help']);
  for (const register of registrars) register(program);
  addConfigOption(program);
  useProjectDefaults(program);
  showUsageLineAfterErrors(program);
  return program;
}

/** The program with every command (what `apprentice --help` lists). */
export async function buildProgram(): Promise<Command> {
  return programOf(await Promise.all(COMMANDS.map((entry) => entry.load())));
}

/**
 * The program that can parse `argv`: only the named command when the first argument names one, so its
 * parse, errors and --help are those of the full program; every command otherwise (`--help`, `--version`,
 * `help <command>`, a mistyped command and its "did you mean").
 */
export async function programForArgv(argv: readonly string[]): Promise<Command> {
  const entry = COMMANDS.find((candidate) => candidate.name === argv[2]);
  return entry ? programOf([await entry.load()]) : buildProgram();
}
