/**
 * Log lines of the network layer. Every line says what happened and why, e.g.
 * `closed connection from 127.0.0.1:5555: unknown public key 3fa2..`. Lines go to a callback so
 * servers can send them to stderr and tests can collect them.
 */

/** Where log lines go: one line per call, without a trailing newline. */
export type Logger = (line: string) => void;

/** The default logger: one line per call on stderr. */
export const stderrLogger: Logger = (line) => {
  process.stderr.write(`${line}\n`);
};

/** `host:port` for a log line, with IPv6 addresses in brackets. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${h.includes(':') ? `[${h}]` : h}:${port ?? '?'}`;
}

