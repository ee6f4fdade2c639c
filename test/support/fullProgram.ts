/** The whole `apprentice` program, every command loaded (as `apprentice --help` builds it), made fresh each call. */
import { COMMANDS, programOf } from '../../src/cli/program.js';

const registrars = await Promise.all(COMMANDS.map((entry) => entry.load()));

export const buildProgram = () => programOf(registrars);
