/** Turning caught values into text for people. */

/** The message of a thrown value on one line, with its error code, for a log line. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // OpenSSL messages span lines and end with source locations; the first line is the useful part.
  const message = (e.message.split('\n')[0] ?? '').trim();
  const code = (e as NodeJS.ErrnoException).code;
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}
