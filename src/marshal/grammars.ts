/**
 * The registry of every message grammar in the project. The round-trip property tests and the
 * fuzzer (src/marshal/fuzz.ts) iterate this list, so a grammar added here is tested and fuzzed
 * with no further work. Add each system's message grammar when it is written.
 */
import type { Grammar } from './grammar.js';
import { everyShapeGrammar, paxosMsgGrammar } from './examples.js';
import { lockMsgGrammar } from '../lock/wire.js';

/** One registered grammar and the name its codec reports in decode errors. */
export interface RegisteredGrammar {
  readonly name: string;
  readonly grammar: Grammar;
}

/** Every grammar in the project. */
export const allGrammars: readonly RegisteredGrammar[] = [
  { name: 'LockMsg', grammar: lockMsgGrammar },
  { name: 'PaxosMsg', grammar: paxosMsgGrammar },
  { name: 'EveryShape', grammar: everyShapeGrammar },
];
