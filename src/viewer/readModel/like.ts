/** A LIKE pattern (ESCAPE '\') matching `text` anywhere: its own % and _ match only themselves. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
