/**
 * What may reach a person's terminal. Text that comes from a bundle, a manifest or a server is someone else's:
 * printed raw, an escape sequence in it can clear the screen, recolour or conceal part of what a person is about
 * to approve, write the clipboard (OSC 52) or retitle the window, and an invisible or reordering character can make
 * one string look like another. `visible` is THE one place such text is made safe to print — every command and
 * page that shows a bundle's, a manifest's or a server's strings passes them through it, so the rule is written,
 * and fixed, once. `canStyle` is the one test for whether Trellis itself may write escape sequences to a stream.
 */

/**
 * Characters that are never printed as they are: controls (C0, DEL, C1 — including the single-byte CSI \x9b and
 * OSC \x9d), format characters (bidi embeddings, overrides and isolates, zero-width spaces and joiners, the soft
 * hyphen, tags, interlinear annotations), surrogates without their pair, line and paragraph separators, and every
 * other character Unicode says to draw as nothing (Default_Ignorable_Code_Point: variation selectors, fillers).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const PICTOGRAPH = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u{FE0F})$/u;
const NEXT_PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
const TAKES_VARIATION = /^[\p{Emoji}\p{Ideographic}]$/u;
const VARIATION_SELECTOR = /^[\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]$/u;
/** A subdivision flag (🏴 then 2-6 tag letters or digits, then CANCEL TAG): England, Scotland, Wales. */
const TAG_FLAG = /^\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,6}\u{E007F}/u;

/**
 * visible returns `text` with every character that could act on the terminal or hide, reorder or disguise text
 * written as `\u{…}` (its code point in hex), so that what a person reads is what the string holds. Ordinary
 * text of any script is unchanged: accents, CJK, right-to-left letters, emoji — including the joiners, variation
 * selectors and tags that only build one emoji (👨‍👩‍👧, ❤️, 🏴󠁧󠁢󠁳󠁣󠁴󠁿) or pick a CJK glyph variant; the same characters anywhere
 * else are shown. Line breaks are shown too ("\n" as `\u{a}`), so one string is one line: text of several lines is
 * made visible line by line. The output holds only printable characters, so applying it twice changes nothing.
 */
export function visible(text: string): string {
  if (!HIDDEN.test(text)) return text;
  const chars = Array.from(text); // by code point; a lone surrogate comes out on its own
  let out = "";
  let prev = ""; // the last character written as it is ("" after a shown one)
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "\u{1F3F4}") {
      const flag = TAG_FLAG.exec(chars.slice(i, i + 8).join(""));
      if (flag) {
        out += flag[0];
        i += Array.from(flag[0]).length - 1;
        prev = "\u{E007F}";
        continue;
      }
    }
    const keep =
      !HIDDEN.test(ch) ||
      // ZERO WIDTH JOINER inside an emoji sequence, a variation selector right after a character that has variants
      (ch === "\u200d" && PICTOGRAPH.test(prev) && NEXT_PICTOGRAPH.test(chars[i + 1] ?? "")) ||
      (VARIATION_SELECTOR.test(ch) && TAKES_VARIATION.test(prev));
    if (keep) {
      out += ch;
      prev = ch;
    } else {
      out += `\\u{${ch.codePointAt(0)!.toString(16)}}`;
      prev = "";
    }
  }
  return out;
}

/**
 * canStyle says whether Trellis may write escape sequences (colour, attribute resets) to `stream`: only to a
 * terminal, never when NO_COLOR is set (https://no-color.org) or TERM is "dumb". Pipes, files and logs get plain text.
 */
export function canStyle(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = globalThis.process?.env ?? {}): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

/**
 * withVisibleErrors wraps a command's action so that the message of anything it throws is made visible, line by
 * line, before it is printed: errors quote what was read, and a library deep below cannot know where its message
 * will be shown. (A quoted value should be made visible where it is put in, too, or its own line breaks would
 * start lines of their own.)
 */
export function withVisibleErrors<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (err instanceof Error) err.message = err.message.split("\n").map(visible).join("\n");
      throw err;
    }
  };
}
