/**
 * Message grammars and the codecs derived from them. Tests also use `./arbitrary.js` (fast-check
 * arbitraries of any grammar), which is kept out of this index because fast-check is a
 * development dependency.
 */
export * from './grammar.js';
export * from './compile.js';
export * from './grammars.js';
export { randomValue } from './random.js';
