/**
 * What a handheld scanner types into a text field. Scanners in keyboard mode
 * either send the GS1 group separator as the real control character (ASCII
 * 29) or, when configured to make it visible, as a placeholder; people typing
 * a code by hand use a placeholder too. All of these become ASCII 29.
 */

export const GS = "\u001d";

/**
 * Placeholders accepted for GS, case-insensitive: `<GS>`, `{GS}`, `[GS]`,
 * `^]` (how terminals show Ctrl-]), `\x1d`, `\u001d` and `␝` (U+241D, the
 * printable symbol for GS). ASCII 29 itself passes through unchanged.
 */
const GS_PLACEHOLDERS = /<gs>|\{gs\}|\[gs\]|\^\]|\\x1d|\\u001d|\u241d/gi;

/** Turns typed scanner input into the code the gateway parses: placeholders to GS, no line breaks or edge spaces. */
export function normaliseTypedCode(typed: string): string {
  return typed.replace(/[\r\n]+/g, "").replace(GS_PLACEHOLDERS, GS).trim();
}

/** Shows a code with its separators visible, for the page to echo what it read. */
export function showSeparators(code: string): string {
  return code.replaceAll(GS, "<GS>");
}
