/**
 * What a registered grammar is. The registry of every grammar in the project lives with the
 * command (src/cli/grammars.ts), because it names every system's messages and the toolkit knows
 * no system; the round-trip property tests and the fuzzer iterate it.
 */
import type { Grammar } from './grammar.js';
import { everyShapeGrammar, paxosMsgGrammar } from './examples.js';

/** One registered grammar and the name its codec reports in decode errors. */
export interface RegisteredGrammar {
  readonly name: string;
  readonly grammar: Grammar;
}

/** The toolkit's own example grammars, which exercise the codec compiler. */
export const exampleGrammars: readonly RegisteredGrammar[] = [
  { name: 'PaxosMsg', grammar: paxosMsgGrammar },
  { name: 'EveryShape', grammar: everyShapeGrammar },
];
